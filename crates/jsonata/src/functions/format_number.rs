//! `$formatNumber` with XPath `format-number` pictures: sub-pictures for negatives, grouping, minimum and
//! maximum integer and fraction digits, exponents, percent and per-mille, and overridable symbols.

use super::arg;
use super::format_integer::regular_interval;
use super::numeric::round_half_even;
use crate::error::Error;
use crate::evaluator::Evaluator;
use crate::function::CallSite;
use crate::number::to_fixed_abs;
use crate::value::Value;

/// The symbols a picture is read with.
struct Symbols {
    decimal: char,
    grouping: char,
    exponent: char,
    minus: String,
    percent: char,
    per_mille: char,
    zero: char,
    digit: char,
    pattern: char,
}

impl Symbols {
    fn digits(&self) -> Vec<char> {
        (0..10).filter_map(|i| char::from_u32(self.zero as u32 + i)).collect()
    }

    fn is_digit(&self, c: char) -> bool {
        (c as u32) >= self.zero as u32 && (c as u32) < self.zero as u32 + 10
    }

    fn is_active(&self, c: char) -> bool {
        self.is_digit(c) || [self.decimal, self.exponent, self.grouping, self.digit, self.pattern].contains(&c)
    }
}

/// A sub-picture split into its parts.
struct Parts {
    prefix: Vec<char>,
    suffix: Vec<char>,
    active: Vec<char>,
    mantissa: Vec<char>,
    exponent: Option<Vec<char>>,
    integer: Vec<char>,
    fractional: Vec<char>,
    picture: Vec<char>,
}

/// What formatting needs to know about a sub-picture.
#[derive(Clone)]
struct Analysis {
    integer_grouping: Vec<usize>,
    regular_grouping: usize,
    min_integer: usize,
    scaling: usize,
    prefix: String,
    fractional_grouping: Vec<usize>,
    min_fraction: usize,
    max_fraction: usize,
    min_exponent: usize,
    suffix: String,
    picture: Vec<char>,
}

fn index_of(haystack: &[char], needle: char) -> Option<usize> {
    haystack.iter().position(|&c| c == needle)
}

fn split_parts(picture: &[char], s: &Symbols) -> Parts {
    let prefix_end = picture.iter().position(|&c| s.is_active(c) && c != s.exponent).unwrap_or(picture.len());
    let prefix = if prefix_end == picture.len() { Vec::new() } else { picture[..prefix_end].to_vec() };
    let suffix_start = picture.iter().rposition(|&c| s.is_active(c) && c != s.exponent).map(|i| i + 1);
    let suffix = suffix_start.map(|i| picture[i..].to_vec()).unwrap_or_default();
    let active = picture[prefix.len()..picture.len() - suffix.len()].to_vec();
    let exponent_position = picture.iter().skip(prefix.len()).position(|&c| c == s.exponent).map(|p| p + prefix.len());
    let (mantissa, exponent) = match exponent_position {
        Some(p) if p <= picture.len() - suffix.len() => {
            let mantissa = active[..p.min(active.len())].to_vec();
            let exponent = active.get(p + 1..).map(<[char]>::to_vec).unwrap_or_default();
            (mantissa, Some(exponent))
        }
        _ => (active.clone(), None),
    };
    let (integer, fractional) = match index_of(&mantissa, s.decimal) {
        None => (mantissa.clone(), suffix.clone()),
        Some(d) => (mantissa[..d].to_vec(), mantissa[d + 1..].to_vec()),
    };
    Parts { prefix, suffix, active, mantissa, exponent, integer, fractional, picture: picture.to_vec() }
}

fn validate(parts: &Parts, s: &Symbols) -> Result<(), Error> {
    let picture = &parts.picture;
    let count = |c: char| picture.iter().filter(|&&x| x == c).count();
    let mut error = None;
    if count(s.decimal) > 1 {
        error = Some("D3081");
    }
    if count(s.percent) > 1 {
        error = Some("D3082");
    }
    if count(s.per_mille) > 1 {
        error = Some("D3083");
    }
    if count(s.percent) > 0 && count(s.per_mille) > 0 {
        error = Some("D3084");
    }
    if !parts.mantissa.iter().any(|&c| s.is_digit(c) || c == s.digit) {
        error = Some("D3085");
    }
    if parts.active.iter().any(|&c| !s.is_active(c)) {
        error = Some("D3086");
    }
    match index_of(picture, s.decimal) {
        Some(d) => {
            let before = d.checked_sub(1).and_then(|i| picture.get(i));
            if before == Some(&s.grouping) || picture.get(d + 1) == Some(&s.grouping) {
                error = Some("D3087");
            }
        }
        None => {
            if parts.integer.last() == Some(&s.grouping) {
                error = Some("D3088");
            }
        }
    }
    if picture.windows(2).any(|w| w[0] == s.grouping && w[1] == s.grouping) {
        error = Some("D3089");
    }
    if let Some(optional) = index_of(&parts.integer, s.digit) {
        if parts.integer[..optional].iter().any(|&c| s.is_digit(c)) {
            error = Some("D3090");
        }
    }
    if let Some(optional) = parts.fractional.iter().rposition(|&c| c == s.digit) {
        if parts.fractional[optional..].iter().any(|&c| s.is_digit(c)) {
            error = Some("D3091");
        }
    }
    if let Some(exponent) = &parts.exponent {
        if !exponent.is_empty() && (count(s.percent) > 0 || count(s.per_mille) > 0) {
            error = Some("D3092");
        }
        if exponent.is_empty() || exponent.iter().any(|&c| !s.is_digit(c)) {
            error = Some("D3093");
        }
    }
    match error {
        Some(code) => Err(Error::new(code)),
        None => Ok(()),
    }
}

fn analyse(parts: &Parts, s: &Symbols) -> Analysis {
    let counted = |part: &[char]| part.iter().filter(|&&c| s.is_digit(c) || c == s.digit).count();
    let mut integer_grouping = Vec::new();
    let mut search = index_of(&parts.integer, s.grouping);
    while let Some(position) = search {
        integer_grouping.push(counted(&parts.integer[position..]));
        search = parts.integer.iter().skip(position + 1).position(|&c| c == s.grouping).map(|p| p + position + 1);
    }
    let mut fractional_grouping = Vec::new();
    let mut search = index_of(&parts.fractional, s.grouping);
    while let Some(position) = search {
        fractional_grouping.push(counted(&parts.fractional[..position]));
        search = parts.integer.iter().skip(position + 1).position(|&c| c == s.grouping).map(|p| p + position + 1);
    }
    let mut min_integer = parts.integer.iter().filter(|&&c| s.is_digit(c)).count();
    let scaling = min_integer;
    let mut min_fraction = parts.fractional.iter().filter(|&&c| s.is_digit(c)).count();
    let mut max_fraction = counted(&parts.fractional);
    let exponent_present = parts.exponent.is_some();
    if min_integer == 0 && max_fraction == 0 {
        if exponent_present {
            min_fraction = 1;
            max_fraction = 1;
        } else {
            min_integer = 1;
        }
    }
    if exponent_present && min_integer == 0 && parts.integer.contains(&s.digit) {
        min_integer = 1;
    }
    if min_integer == 0 && min_fraction == 0 {
        min_fraction = 1;
    }
    let min_exponent = parts.exponent.as_ref().map(|e| e.iter().filter(|&&c| s.is_digit(c)).count()).unwrap_or(0);
    Analysis {
        regular_grouping: regular_interval(&integer_grouping),
        integer_grouping,
        min_integer,
        scaling,
        prefix: parts.prefix.iter().collect(),
        fractional_grouping,
        min_fraction,
        max_fraction,
        min_exponent,
        suffix: parts.suffix.iter().collect(),
        picture: parts.picture.clone(),
    }
}

fn symbols(options: &Value) -> Symbols {
    let mut s = Symbols {
        decimal: '.',
        grouping: ',',
        exponent: 'e',
        minus: "-".into(),
        percent: '%',
        per_mille: '\u{2030}',
        zero: '0',
        digit: '#',
        pattern: ';',
    };
    if let Value::Object(o) = options {
        for (key, value) in o.borrow().iter() {
            let Some(text) = value.as_str() else { continue };
            let first = text.chars().next().unwrap_or_default();
            match &**key {
                "decimal-separator" => s.decimal = first,
                "grouping-separator" => s.grouping = first,
                "exponent-separator" => s.exponent = first,
                "minus-sign" => s.minus = text.to_string(),
                "percent" => s.percent = first,
                "per-mille" => s.per_mille = first,
                "zero-digit" => s.zero = first,
                "digit" => s.digit = first,
                "pattern-separator" => s.pattern = first,
                _ => {}
            }
        }
    }
    s
}

fn insert(chars: &mut Vec<char>, at: usize, c: char) {
    let at = at.min(chars.len());
    chars.insert(at, c);
}

/// Formats `value` with an XPath decimal picture.
fn format(value: f64, picture: &str, options: &Value) -> Result<String, Error> {
    let s = symbols(options);
    let digits = s.digits();
    let picture: Vec<char> = picture.chars().collect();
    let sub_pictures: Vec<&[char]> = picture.split(|&c| c == s.pattern).collect();
    if sub_pictures.len() > 2 {
        return Err(Error::new("D3080"));
    }
    let parts: Vec<Parts> = sub_pictures.iter().map(|p| split_parts(p, &s)).collect();
    for p in &parts {
        validate(p, &s)?;
    }
    let mut analyses: Vec<Analysis> = parts.iter().map(|p| analyse(p, &s)).collect();
    if analyses.len() == 1 {
        let mut negative = analyses[0].clone();
        negative.prefix = format!("{}{}", s.minus, negative.prefix);
        analyses.push(negative);
    }
    let pic = if value >= 0.0 { &analyses[0] } else { &analyses[1] };
    let adjusted = if pic.picture.contains(&s.percent) {
        value * 100.0
    } else if pic.picture.contains(&s.per_mille) {
        value * 1000.0
    } else {
        value
    };
    let (mantissa, exponent) = if pic.min_exponent == 0 {
        (adjusted, None)
    } else {
        let max = 10f64.powi(pic.scaling as i32);
        let min = 10f64.powi(pic.scaling as i32 - 1);
        let mut m = adjusted;
        let mut e = 0i32;
        if m != 0.0 {
            while m.abs() < min {
                m *= 10.0;
                e -= 1;
            }
            while m.abs() > max {
                m /= 10.0;
                e += 1;
            }
        }
        (m, Some(e))
    };
    let rounded = round_half_even(mantissa, pic.max_fraction as f64);
    let make_string = |v: f64, dp: usize| -> String {
        let text = to_fixed_abs(v, dp);
        if s.zero == '0' {
            text
        } else {
            text.chars().map(|c| if c.is_ascii_digit() { digits[c as usize - '0' as usize] } else { c }).collect()
        }
    };
    let mut text: Vec<char> = make_string(rounded, pic.max_fraction).chars().collect();
    match index_of(&text, '.') {
        None => text.push(s.decimal),
        Some(d) => text[d] = s.decimal,
    }
    while text.first() == Some(&s.zero) {
        text.remove(0);
    }
    while text.last() == Some(&s.zero) {
        text.pop();
    }
    let decimal = index_of(&text, s.decimal).unwrap_or(text.len());
    let pad_left = pic.min_integer.saturating_sub(decimal);
    let pad_right = pic.min_fraction.saturating_sub(text.len() - decimal - 1);
    let mut padded: Vec<char> = std::iter::repeat_n(s.zero, pad_left).collect();
    padded.extend(text);
    padded.extend(std::iter::repeat_n(s.zero, pad_right));
    let mut text = padded;
    let decimal = index_of(&text, s.decimal).unwrap_or(text.len());
    match decimal.saturating_sub(1).checked_div(pic.regular_grouping) {
        Some(groups) => {
            for group in 1..=groups {
                insert(&mut text, decimal - group * pic.regular_grouping, s.grouping);
            }
        }
        None => {
            for (shift, &position) in pic.integer_grouping.iter().enumerate() {
                insert(&mut text, (decimal + shift).saturating_sub(position), s.grouping);
            }
        }
    }
    let decimal = index_of(&text, s.decimal).unwrap_or(text.len());
    for &position in &pic.fractional_grouping {
        insert(&mut text, position + decimal + 1, s.grouping);
    }
    let decimal = index_of(&text, s.decimal).unwrap_or(text.len());
    if !pic.picture.contains(&s.decimal) || decimal + 1 == text.len() {
        text.pop();
    }
    let mut result: String = text.into_iter().collect();
    if let Some(e) = exponent {
        let mut exponent_text = make_string(e as f64, 0);
        let width = exponent_text.chars().count();
        if pic.min_exponent > width {
            exponent_text = format!("{}{exponent_text}", s.zero.to_string().repeat(pic.min_exponent - width));
        }
        result = format!("{result}{}{}{exponent_text}", s.exponent, if e < 0 { s.minus.as_str() } else { "" });
    }
    Ok(format!("{}{result}{}", pic.prefix, pic.suffix))
}

pub(crate) fn format_number(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::Number(value) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let picture = arg(&args, 1);
    Ok(Value::string(format(value, picture.as_str().unwrap_or_default(), &arg(&args, 2))?))
}
