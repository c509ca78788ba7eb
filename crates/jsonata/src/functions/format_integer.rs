//! `$formatInteger` and `$parseInteger` with XPath `format-integer` pictures: decimal digit patterns (any
//! Unicode decimal digit family, grouping separators, ordinals), letters, Roman numerals and English words.
//! The date/time functions reuse the picture analysis for their integer components.

use super::arg;
use crate::error::Error;
use crate::evaluator::Evaluator;
use crate::function::CallSite;
use crate::value::Value;

const FEW: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];
const ORDINALS: [&str; 20] = [
    "Zeroth",
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Eleventh",
    "Twelfth",
    "Thirteenth",
    "Fourteenth",
    "Fifteenth",
    "Sixteenth",
    "Seventeenth",
    "Eighteenth",
    "Nineteenth",
];
const DECADES: [&str; 9] = ["Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"];
const MAGNITUDES: [&str; 4] = ["Thousand", "Million", "Billion", "Trillion"];

/// The first code point of every Unicode decimal digit family.
const DECIMAL_GROUPS: [u32; 37] = [
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6,
    0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40,
    0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
];

/// How a picture presents the number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Primary {
    Decimal,
    Letters,
    Roman,
    Words,
    /// A numbering sequence this implementation does not support (the picture's token).
    Sequence(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Case {
    Upper,
    Lower,
    Title,
}

#[derive(Debug, Clone)]
pub(crate) struct Separator {
    pub(crate) position: usize,
    pub(crate) character: char,
}

/// An analysed integer picture.
#[derive(Debug, Clone)]
pub(crate) struct IntegerFormat {
    pub(crate) primary: Primary,
    pub(crate) case: Case,
    pub(crate) ordinal: bool,
    pub(crate) zero: u32,
    pub(crate) mandatory_digits: usize,
    pub(crate) optional_digits: usize,
    /// Regular grouping: (every `n` digits, separator); otherwise the explicit separators.
    pub(crate) regular: Option<(usize, char)>,
    pub(crate) separators: Vec<Separator>,
    /// The exact digit count when parsing (set when another integer component follows with no separator).
    pub(crate) parse_width: Option<usize>,
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The common interval of grouping positions, when every multiple of it up to their count is present.
pub(crate) fn regular_interval(positions: &[usize]) -> usize {
    if positions.is_empty() {
        return 0;
    }
    let factor = positions.iter().copied().reduce(gcd).unwrap_or(0);
    if factor == 0 {
        return 0;
    }
    if (1..=positions.len()).all(|i| positions.contains(&(i * factor))) {
        factor
    } else {
        0
    }
}

/// Analyses a `format-integer` picture (with an optional `;o` ordinal modifier).
pub(crate) fn analyse(picture: &str) -> Result<IntegerFormat, Error> {
    let mut format = IntegerFormat {
        primary: Primary::Decimal,
        case: Case::Lower,
        ordinal: false,
        zero: 0x30,
        mandatory_digits: 0,
        optional_digits: 0,
        regular: None,
        separators: Vec::new(),
        parse_width: None,
    };
    let primary = match picture.rfind(';') {
        Some(i) => {
            if picture[i + 1..].starts_with('o') {
                format.ordinal = true;
            }
            &picture[..i]
        }
        None => picture,
    };
    match primary {
        "A" => (format.case, format.primary) = (Case::Upper, Primary::Letters),
        "a" => format.primary = Primary::Letters,
        "I" => (format.case, format.primary) = (Case::Upper, Primary::Roman),
        "i" => format.primary = Primary::Roman,
        "W" => (format.case, format.primary) = (Case::Upper, Primary::Words),
        "Ww" => (format.case, format.primary) = (Case::Title, Primary::Words),
        "w" => format.primary = Primary::Words,
        _ => {
            let mut zero: Option<u32> = None;
            let mut separator_position = 0;
            for c in primary.chars().rev() {
                let code = c as u32;
                if let Some(group) = DECIMAL_GROUPS.iter().find(|&&g| code >= g && code <= g + 9) {
                    format.mandatory_digits += 1;
                    separator_position += 1;
                    match zero {
                        None => zero = Some(*group),
                        Some(z) if z != *group => return Err(Error::new("D3131")),
                        _ => {}
                    }
                } else if c == '#' {
                    separator_position += 1;
                    format.optional_digits += 1;
                } else {
                    format.separators.push(Separator { position: separator_position, character: c });
                }
            }
            if format.mandatory_digits == 0 {
                format.primary = Primary::Sequence(primary.to_string());
            } else {
                format.zero = zero.unwrap_or(0x30);
                let same_character = format.separators.windows(2).all(|w| w[0].character == w[1].character);
                let positions: Vec<usize> = format.separators.iter().map(|s| s.position).collect();
                let interval = if same_character { regular_interval(&positions) } else { 0 };
                if interval > 0 {
                    format.regular = Some((interval, format.separators[0].character));
                }
            }
        }
    }
    Ok(format)
}

/// English words for `value`.
pub(crate) fn number_to_words(value: f64, ordinal: bool) -> String {
    fn lookup(num: f64, prev: bool, ord: bool) -> String {
        if num <= 19.0 {
            let index = num.max(0.0) as usize;
            let word = if ord { ORDINALS[index] } else { FEW[index] };
            format!("{}{word}", if prev { " and " } else { "" })
        } else if num < 100.0 {
            let tens = (num / 10.0).floor() as usize;
            let remainder = num % 10.0;
            let mut words = format!("{}{}", if prev { " and " } else { "" }, DECADES[tens - 2]);
            if remainder > 0.0 {
                words = format!("{words}-{}", lookup(remainder, false, ord));
            } else if ord {
                words = format!("{}ieth", &words[..words.len() - 1]);
            }
            words
        } else if num < 1000.0 {
            let hundreds = (num / 100.0).floor() as usize;
            let remainder = num % 100.0;
            let mut words = format!("{}{} Hundred", if prev { ", " } else { "" }, FEW[hundreds]);
            if remainder > 0.0 {
                words += &lookup(remainder, true, ord);
            } else if ord {
                words += "th";
            }
            words
        } else {
            let mag = ((num.log10() / 3.0).floor() as usize).min(MAGNITUDES.len());
            let factor = 10f64.powi(mag as i32 * 3);
            let mant = (num / factor).floor();
            let remainder = num - mant * factor;
            let mut words =
                format!("{}{} {}", if prev { ", " } else { "" }, lookup(mant, false, false), MAGNITUDES[mag - 1]);
            if remainder > 0.0 {
                words += &lookup(remainder, true, ord);
            } else if ord {
                words += "th";
            }
            words
        }
    }
    lookup(value, false, ordinal)
}

fn word_value(word: &str) -> Option<u64> {
    if let Some(i) = FEW.iter().position(|w| w.eq_ignore_ascii_case(word)) {
        return Some(i as u64);
    }
    if let Some(i) = ORDINALS.iter().position(|w| w.eq_ignore_ascii_case(word)) {
        return Some(i as u64);
    }
    for (i, decade) in DECADES.iter().enumerate() {
        let lower = decade.to_lowercase();
        let ieth = format!("{}ieth", &lower[..lower.len() - 1]);
        if word == lower || word == ieth {
            return Some((i as u64 + 2) * 10);
        }
    }
    if word == "hundredth" {
        return Some(100);
    }
    for (i, magnitude) in MAGNITUDES.iter().enumerate() {
        let lower = magnitude.to_lowercase();
        if word == lower || word == format!("{lower}th") {
            return Some(10u64.pow((i as u32 + 1) * 3));
        }
    }
    None
}

/// The number English words spell.
pub(crate) fn words_to_number(text: &str) -> f64 {
    let normalized = text.replace(", ", " ").replace(" and ", " ").replace('-', " ");
    let mut segments: Vec<f64> = vec![0.0];
    for part in normalized.split(' ').filter(|p| !p.is_empty()) {
        let Some(value) = word_value(part) else {
            segments.push(f64::NAN);
            continue;
        };
        let value = value as f64;
        if value < 100.0 {
            let mut top = segments.pop().unwrap_or(0.0);
            if top >= 1000.0 {
                segments.push(top);
                top = 0.0;
            }
            segments.push(top + value);
        } else {
            let top = segments.pop().unwrap_or(0.0);
            segments.push(top * value);
        }
    }
    segments.iter().sum()
}

const ROMAN: [(u64, &str); 13] = [
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
];

fn to_roman(mut value: u64) -> String {
    let mut out = String::new();
    for (amount, numeral) in ROMAN {
        while value >= amount {
            out.push_str(numeral);
            value -= amount;
        }
    }
    out
}

fn from_roman(roman: &str) -> f64 {
    let mut decimal = 0i64;
    let mut max = 1;
    for c in roman.chars().rev() {
        let value = match c.to_ascii_uppercase() {
            'M' => 1000,
            'D' => 500,
            'C' => 100,
            'L' => 50,
            'X' => 10,
            'V' => 5,
            'I' => 1,
            _ => return f64::NAN,
        };
        if value < max {
            decimal -= value;
        } else {
            max = value;
            decimal += value;
        }
    }
    decimal as f64
}

fn to_letters(mut value: u64, a: char) -> String {
    let mut letters = Vec::new();
    while value > 0 {
        letters.push(char::from_u32((value - 1) as u32 % 26 + a as u32).unwrap_or(a));
        value = (value - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn from_letters(letters: &str, a: char) -> f64 {
    letters
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| (c as u32 as f64 - a as u32 as f64 + 1.0) * 26f64.powi(i as i32))
        .sum()
}

/// Formats an integer with an analysed picture.
pub(crate) fn format(value: f64, format: &IntegerFormat) -> Result<String, Error> {
    let negative = value < 0.0;
    let magnitude = value.abs();
    let whole = magnitude as u64;
    let mut formatted = match &format.primary {
        Primary::Letters => to_letters(whole, if format.case == Case::Upper { 'A' } else { 'a' }),
        Primary::Roman => {
            let roman = to_roman(whole);
            if format.case == Case::Upper {
                roman.to_uppercase()
            } else {
                roman
            }
        }
        Primary::Words => {
            let words = number_to_words(magnitude.floor(), format.ordinal);
            match format.case {
                Case::Upper => words.to_uppercase(),
                Case::Lower => words.to_lowercase(),
                Case::Title => words,
            }
        }
        Primary::Decimal => {
            let mut digits = crate::number::to_js_string(magnitude);
            if digits.chars().count() < format.mandatory_digits {
                digits = format!("{}{digits}", "0".repeat(format.mandatory_digits - digits.chars().count()));
            }
            if format.zero != 0x30 {
                digits = digits.chars().map(|c| char::from_u32(c as u32 + format.zero - 0x30).unwrap_or(c)).collect();
            }
            let mut chars: Vec<char> = digits.chars().collect();
            match format.regular {
                Some((interval, separator)) => {
                    let groups = (chars.len().saturating_sub(1)) / interval;
                    for i in (1..=groups).rev() {
                        let position = chars.len() - i * interval;
                        chars.insert(position, separator);
                    }
                }
                None => {
                    for separator in format.separators.iter().rev() {
                        let position = chars.len().saturating_sub(separator.position);
                        chars.insert(position, separator.character);
                    }
                }
            }
            let mut text: String = chars.into_iter().collect();
            if format.ordinal {
                let last = text.chars().last();
                let tens = text.chars().rev().nth(1);
                let suffix = match last {
                    Some('1') if tens != Some('1') => "st",
                    Some('2') if tens != Some('1') => "nd",
                    Some('3') if tens != Some('1') => "rd",
                    _ => "th",
                };
                text.push_str(suffix);
            }
            text
        }
        Primary::Sequence(token) => return Err(Error::new("D3130").value(format!("\"{token}\""))),
    };
    if negative {
        formatted.insert(0, '-');
    }
    Ok(formatted)
}

/// A regex fragment matching what `format` produces, and how to read it back.
pub(crate) fn pattern(format: &IntegerFormat) -> Result<String, Error> {
    Ok(match &format.primary {
        Primary::Letters => if format.case == Case::Upper { "[A-Z]+" } else { "[a-z]+" }.to_string(),
        Primary::Roman => if format.case == Case::Upper { "[MDCLXVI]+" } else { "[mdclxvi]+" }.to_string(),
        Primary::Words => {
            let mut words: Vec<String> = FEW.iter().chain(ORDINALS.iter()).map(|w| w.to_lowercase()).collect();
            for decade in DECADES {
                let lower = decade.to_lowercase();
                words.push(format!("{}ieth", &lower[..lower.len() - 1]));
                words.push(lower);
            }
            words.push("hundredth".into());
            for magnitude in MAGNITUDES {
                let lower = magnitude.to_lowercase();
                words.push(format!("{lower}th"));
                words.push(lower);
            }
            words.push("and".into());
            words.push("[\\-, ]".into());
            format!("(?:{})+", words.join("|"))
        }
        Primary::Decimal => {
            let mut p = match format.parse_width {
                Some(width) => format!("[0-9]{{{width}}}"),
                None => "[0-9]+".to_string(),
            };
            if format.ordinal {
                p.push_str("(?:th|st|nd|rd)");
            }
            p
        }
        Primary::Sequence(token) => return Err(Error::new("D3130").value(format!("\"{token}\""))),
    })
}

/// Reads back a number formatted with `format`.
pub(crate) fn parse(text: &str, format: &IntegerFormat) -> Result<f64, Error> {
    Ok(match &format.primary {
        Primary::Letters => from_letters(text, if format.case == Case::Upper { 'A' } else { 'a' }),
        Primary::Roman => from_roman(text),
        Primary::Words => words_to_number(&text.to_lowercase()),
        Primary::Decimal => {
            let mut digits = text.to_string();
            if format.ordinal {
                let cut = digits.len().saturating_sub(2);
                digits.truncate(cut);
            }
            match format.regular {
                Some(_) => digits = digits.replace(',', ""),
                None => {
                    for separator in &format.separators {
                        digits = digits.replace(separator.character, "");
                    }
                }
            }
            if format.zero != 0x30 {
                digits = digits.chars().map(|c| char::from_u32(c as u32 - format.zero + 0x30).unwrap_or(c)).collect();
            }
            let numeric: String = digits.chars().take_while(|c| c.is_ascii_digit()).collect();
            numeric.parse().unwrap_or(f64::NAN)
        }
        Primary::Sequence(token) => return Err(Error::new("D3130").value(format!("\"{token}\""))),
    })
}

pub(crate) fn format_integer(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::Number(value) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let picture = arg(&args, 1);
    let analysed = analyse(picture.as_str().unwrap_or_default())?;
    Ok(Value::string(format(value.floor(), &analysed)?))
}

pub(crate) fn parse_integer(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(text) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let picture = arg(&args, 1);
    let analysed = analyse(picture.as_str().unwrap_or_default())?;
    Ok(Value::Number(parse(&text, &analysed)?))
}
