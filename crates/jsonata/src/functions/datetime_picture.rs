//! Date/time picture strings (XPath `format-dateTime`): `[Y0001]-[M01]-[D01]` split into literals and
//! variable markers with their presentation and width modifiers.

use super::format_integer::analyse as analyse_integer;
use super::format_integer::Case;
use super::format_integer::IntegerFormat;
use crate::error::Error;

/// A variable marker such as `[MNn,3-3]`.
#[derive(Debug, Clone)]
pub(crate) struct Marker {
    pub(crate) component: char,
    pub(crate) width_max: Option<usize>,
    pub(crate) presentation2: Option<char>,
    /// Month or day names instead of numbers, in this case.
    pub(crate) names: Option<Case>,
    pub(crate) integer: Option<IntegerFormat>,
    /// How many digits of the year to show (`None`: all).
    pub(crate) year_digits: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) enum Part {
    Literal(String),
    Marker(Marker),
}

/// The presentation a component has when the marker gives none.
fn default_presentation(component: char) -> Option<&'static str> {
    Some(match component {
        'Y' | 'M' | 'D' | 'd' | 'W' | 'w' | 'X' | 'x' | 'H' | 'h' | 'f' => "1",
        'F' | 'P' | 'C' | 'E' => "n",
        'm' | 's' => "01",
        'Z' | 'z' => "01:01",
        _ => return None,
    })
}

fn parse_width(text: &str) -> Option<usize> {
    if text == "*" {
        return None;
    }
    let digits: String = text.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// Splits a picture into literals and markers.
pub(crate) fn analyse(picture: &str) -> Result<Vec<Part>, Error> {
    let chars: Vec<char> = picture.chars().collect();
    let mut parts: Vec<Part> = Vec::new();
    let add_literal = |parts: &mut Vec<Part>, start: usize, end: usize| {
        if end > start {
            let literal: String = chars[start..end].iter().collect();
            parts.push(Part::Literal(literal.replace("]]", "]")));
        }
    };
    let mut start = 0;
    let mut position = 0;
    while position < chars.len() {
        if chars[position] == '[' {
            if chars.get(position + 1) == Some(&'[') {
                add_literal(&mut parts, start, position);
                parts.push(Part::Literal("[".into()));
                position += 2;
                start = position;
                continue;
            }
            add_literal(&mut parts, start, position);
            start = position;
            let Some(close) = chars[start..].iter().position(|&c| c == ']').map(|p| p + start) else {
                return Err(Error::new("D3135"));
            };
            position = close;
            let marker: String = chars[start + 1..close].iter().filter(|c| !c.is_whitespace()).collect();
            let analysed = analyse_marker(&marker, &mut parts)?;
            parts.push(Part::Marker(analysed));
            start = position + 1;
        }
        position += 1;
    }
    add_literal(&mut parts, start, position);
    Ok(parts)
}

fn analyse_marker(marker: &str, previous: &mut [Part]) -> Result<Marker, Error> {
    let component = marker.chars().next().unwrap_or_default();
    let rest: String = marker.chars().skip(1).collect();
    let (presentation, width) = match rest.rfind(',') {
        Some(comma) => (rest[..comma].to_string(), Some(rest[comma + 1..].to_string())),
        None => (rest, None),
    };
    let (width_min, width_max) = match &width {
        Some(w) => match w.split_once('-') {
            Some((min, max)) => (parse_width(min), parse_width(max)),
            None => (parse_width(w), None),
        },
        None => (None, None),
    };
    let mut presentation1 = presentation.clone();
    let mut presentation2 = None;
    if presentation.chars().count() > 1 {
        let last = presentation.chars().last().unwrap_or_default();
        if "atco".contains(last) {
            presentation2 = Some(last);
            presentation1 = presentation.chars().take(presentation.chars().count() - 1).collect();
        }
    } else if presentation.is_empty() {
        presentation1 = default_presentation(component)
            .ok_or_else(|| Error::new("D3132").value(format!("\"{component}\"")))?
            .to_string();
    }
    let mut result = Marker { component, width_max, presentation2, names: None, integer: None, year_digits: None };
    let mut p1 = presentation1.chars();
    match (p1.next(), p1.next()) {
        (Some('n'), _) => result.names = Some(Case::Lower),
        (Some('N'), Some('n')) => result.names = Some(Case::Title),
        (Some('N'), _) => result.names = Some(Case::Upper),
        _ if "YMDdFWwXxHhmsf".contains(component) => {
            let mut pattern = presentation1.clone();
            if let Some(p2) = presentation2 {
                pattern = format!("{pattern};{p2}");
            }
            let mut integer = analyse_integer(&pattern)?;
            if let Some(min) = width_min {
                integer.mandatory_digits = integer.mandatory_digits.max(min);
            }
            if component == 'Y' {
                match width_max {
                    Some(max) => {
                        result.year_digits = Some(max);
                        integer.mandatory_digits = max;
                    }
                    None => {
                        let w = integer.mandatory_digits + integer.optional_digits;
                        if w >= 2 {
                            result.year_digits = Some(w);
                        }
                    }
                }
            }
            if let Some(Part::Marker(prior)) = previous.last_mut() {
                if let Some(prior_integer) = &mut prior.integer {
                    prior_integer.parse_width = Some(prior_integer.mandatory_digits);
                }
            }
            result.integer = Some(integer);
        }
        _ => {}
    }
    if component == 'Z' || component == 'z' {
        result.integer = Some(analyse_integer(&presentation1)?);
    }
    Ok(result)
}
