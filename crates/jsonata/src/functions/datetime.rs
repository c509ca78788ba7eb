//! Date/time functions: `$now`, `$millis`, `$fromMillis` (format with a picture and offset) and `$toMillis`
//! (ISO 8601, or parse with a picture). `$now` and `$millis` return the evaluation's timestamp, which the caller
//! supplies; nothing here reads a clock.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::arg;
use super::calendar::utc;
use super::calendar::DateTime;
use super::calendar::MILLIS_PER_DAY;
use super::datetime_picture::analyse;
use super::datetime_picture::Marker;
use super::datetime_picture::Part;
use super::format_integer;
use super::format_integer::Case;
use crate::error::Error;
use crate::evaluator::Evaluator;
use crate::function::CallSite;
use crate::value::Value;

const DAYS: [&str; 8] = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const ISO_PICTURE: &str = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";

/// Millis of the Monday starting week 1 of the month (ISO 8601: the week holding the first Thursday).
fn start_of_first_week(year: i64, month0: i64) -> i64 {
    let first = utc(year, month0, 1, 0, 0, 0, 0);
    let mut weekday = DateTime::from_millis(first).weekday;
    if weekday == 0 {
        weekday = 7;
    }
    if weekday > 4 {
        first + (8 - weekday) * MILLIS_PER_DAY
    } else {
        first - (weekday - 1) * MILLIS_PER_DAY
    }
}

fn next_month(year: i64, month0: i64) -> (i64, i64) {
    if month0 == 11 {
        (year + 1, 0)
    } else {
        (year, month0 + 1)
    }
}

fn previous_month(year: i64, month0: i64) -> (i64, i64) {
    if month0 == 0 {
        (year - 1, 11)
    } else {
        (year, month0 - 1)
    }
}

fn delta_weeks(start: i64, end: i64) -> f64 {
    (end - start) as f64 / (MILLIS_PER_DAY * 7) as f64 + 1.0
}

/// A component's value: a number, or the am/pm marker or calendar names.
enum Fragment {
    Number(i64),
    Text(&'static str),
}

fn fragment(date: &DateTime, component: char) -> Fragment {
    let month0 = date.month - 1;
    let today = utc(date.year, month0, date.day, 0, 0, 0, 0);
    Fragment::Number(match component {
        'Y' => date.year,
        'M' => date.month,
        'D' => date.day,
        'd' => (today - utc(date.year, 0, 1, 0, 0, 0, 0)) / MILLIS_PER_DAY + 1,
        'F' => {
            if date.weekday == 0 {
                7
            } else {
                date.weekday
            }
        }
        'W' => {
            let mut week = delta_weeks(start_of_first_week(date.year, 0), today);
            if week > 52.0 {
                if today >= start_of_first_week(date.year + 1, 0) {
                    week = 1.0;
                }
            } else if week < 1.0 {
                week = delta_weeks(start_of_first_week(date.year - 1, 0), today);
            }
            week.floor() as i64
        }
        'w' => {
            let mut week = delta_weeks(start_of_first_week(date.year, month0), today);
            if week > 4.0 {
                let (y, m) = next_month(date.year, month0);
                if today >= start_of_first_week(y, m) {
                    week = 1.0;
                }
            } else if week < 1.0 {
                let (y, m) = previous_month(date.year, month0);
                week = delta_weeks(start_of_first_week(y, m), today);
            }
            week.floor() as i64
        }
        'X' => {
            if date.millis < start_of_first_week(date.year, 0) {
                date.year - 1
            } else if date.millis >= start_of_first_week(date.year + 1, 0) {
                date.year + 1
            } else {
                date.year
            }
        }
        'x' => {
            let (ny, nm) = next_month(date.year, month0);
            if date.millis < start_of_first_week(date.year, month0) {
                previous_month(date.year, month0).1 + 1
            } else if date.millis >= start_of_first_week(ny, nm) {
                nm + 1
            } else {
                date.month
            }
        }
        'H' => date.hours,
        'h' => {
            let h = date.hours % 12;
            if h == 0 {
                12
            } else {
                h
            }
        }
        'P' => return Fragment::Text(if date.hours >= 12 { "pm" } else { "am" }),
        'm' => date.minutes,
        's' => date.seconds,
        'f' => date.milliseconds,
        'C' | 'E' => return Fragment::Text("ISO"),
        _ => 0,
    })
}

fn apply_case(text: &str, case: Case) -> String {
    match case {
        Case::Upper => text.to_uppercase(),
        Case::Lower => text.to_lowercase(),
        Case::Title => text.to_string(),
    }
}

fn format_component(date: &DateTime, marker: &Marker, offset_hours: i64, offset_minutes: i64) -> Result<String, Error> {
    let value = fragment(date, marker.component);
    let component = marker.component;
    if "YMDdFWwXxHhms".contains(component) {
        let Fragment::Number(mut number) = value else { return Ok(String::new()) };
        if component == 'Y' {
            if let Some(digits) = marker.year_digits {
                number %= 10i64.pow(digits.min(18) as u32);
            }
        }
        if let Some(case) = marker.names {
            let name = match component {
                'M' | 'x' => MONTHS.get((number - 1) as usize).copied().unwrap_or_default(),
                'F' => DAYS.get(number as usize).copied().unwrap_or_default(),
                _ => return Err(Error::new("D3133").value(format!("\"{component}\""))),
            };
            let mut name = apply_case(name, case);
            if let Some(max) = marker.width_max {
                if name.chars().count() > max {
                    name = name.chars().take(max).collect();
                }
            }
            return Ok(name);
        }
        return match &marker.integer {
            Some(integer) => format_integer::format(number as f64, integer),
            None => Ok(number.to_string()),
        };
    }
    match component {
        'f' => {
            let Fragment::Number(number) = value else { return Ok(String::new()) };
            match &marker.integer {
                Some(integer) => format_integer::format(number as f64, integer),
                None => Ok(number.to_string()),
            }
        }
        'Z' | 'z' => {
            let Some(integer) = &marker.integer else { return Ok(String::new()) };
            let offset = offset_hours * 100 + offset_minutes;
            let mut text = if integer.regular.is_some() {
                format_integer::format(offset as f64, integer)?
            } else {
                match integer.mandatory_digits {
                    1 | 2 => {
                        let mut t = format_integer::format(offset_hours as f64, integer)?;
                        if offset_minutes != 0 {
                            let minutes = format_integer::analyse("00")?;
                            t = format!("{t}:{}", format_integer::format(offset_minutes as f64, &minutes)?);
                        }
                        t
                    }
                    3 | 4 => format_integer::format(offset as f64, integer)?,
                    digits => return Err(Error::new("D3134").value(digits.to_string())),
                }
            };
            if offset >= 0 {
                text.insert(0, '+');
            }
            if component == 'z' {
                text.insert_str(0, "GMT");
            }
            if offset == 0 && marker.presentation2 == Some('t') {
                text = "Z".into();
            }
            Ok(text)
        }
        'P' => {
            let Fragment::Text(text) = value else { return Ok(String::new()) };
            Ok(if marker.names == Some(Case::Upper) { text.to_uppercase() } else { text.to_string() })
        }
        _ => Ok(match value {
            Fragment::Text(t) => t.to_string(),
            Fragment::Number(n) => n.to_string(),
        }),
    }
}

/// Formats `millis` with a picture (ISO 8601 by default) at a `±HHMM` offset.
pub(crate) fn format_date_time(millis: f64, picture: Option<&str>, timezone: Option<&str>) -> Result<String, Error> {
    let (mut offset_hours, mut offset_minutes) = (0, 0);
    if let Some(timezone) = timezone {
        let digits: String = timezone
            .trim_start()
            .chars()
            .enumerate()
            .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && (*c == '-' || *c == '+')))
            .map(|(_, c)| c)
            .collect();
        let offset: i64 = digits.parse().unwrap_or(0);
        offset_hours = offset.div_euclid(100);
        offset_minutes = offset % 100;
    }
    let parts = analyse(picture.unwrap_or(ISO_PICTURE))?;
    let offset_millis = (60 * offset_hours + offset_minutes) * 60 * 1000;
    let date = DateTime::from_millis(millis.trunc() as i64 + offset_millis);
    let mut result = String::new();
    for part in &parts {
        match part {
            Part::Literal(text) => result.push_str(text),
            Part::Marker(marker) => result.push_str(&format_component(&date, marker, offset_hours, offset_minutes)?),
        }
    }
    Ok(result)
}

/// How one marker is matched and read back when parsing.
struct Reader {
    pattern: String,
    component: Option<char>,
    read: Box<dyn Fn(&str) -> f64>,
}

fn escape(literal: &str) -> String {
    regex::escape(literal)
}

fn reader(part: &Part) -> Result<Reader, Error> {
    let marker = match part {
        Part::Literal(text) => return Ok(Reader { pattern: escape(text), component: None, read: Box::new(|_| 0.0) }),
        Part::Marker(marker) => marker.clone(),
    };
    let component = marker.component;
    if component == 'Z' || component == 'z' {
        let separator = marker.integer.as_ref().and_then(|i| i.regular).map(|(_, c)| c);
        let mut pattern = if component == 'z' { "GMT".to_string() } else { String::new() };
        pattern.push_str("[-+][0-9]+");
        if let Some(separator) = separator {
            pattern.push_str(&escape(&separator.to_string()));
            pattern.push_str("[0-9]+");
        }
        let read = move |value: &str| -> f64 {
            let value = if component == 'z' { value.get(3..).unwrap_or_default() } else { value };
            let int =
                |s: &str| -> f64 { s.trim_start_matches('+').parse::<i64>().map(|v| v as f64).unwrap_or(f64::NAN) };
            let (hours, minutes) = match separator.and_then(|s| value.split_once(s)) {
                Some((h, m)) => (int(h), int(m)),
                None => {
                    if value.len() <= 3 {
                        (int(value), 0.0)
                    } else {
                        (int(&value[..3]), int(&value[3..]))
                    }
                }
            };
            hours * 60.0 + minutes
        };
        return Ok(Reader { pattern, component: Some(component), read: Box::new(read) });
    }
    if component == 'f' {
        let read = |value: &str| -> f64 {
            let digits: String = value.chars().take(3).collect();
            format!("0.{digits}").parse::<f64>().unwrap_or(f64::NAN) * 1000.0
        };
        return Ok(Reader { pattern: "[0-9]+".into(), component: Some('f'), read: Box::new(read) });
    }
    if let Some(integer) = marker.integer.clone() {
        let pattern = format_integer::pattern(&integer)?;
        let read = move |value: &str| format_integer::parse(value, &integer).unwrap_or(f64::NAN);
        return Ok(Reader { pattern, component: Some(component), read: Box::new(read) });
    }
    let mut names: HashMap<String, f64> = HashMap::new();
    let truncate = |name: &str| match marker.width_max {
        Some(max) if max > 0 => name.chars().take(max).collect(),
        _ => name.to_string(),
    };
    match component {
        'M' | 'x' => {
            for (i, name) in MONTHS.iter().enumerate() {
                names.insert(truncate(name), (i + 1) as f64);
            }
        }
        'F' => {
            for (i, name) in DAYS.iter().enumerate().skip(1) {
                names.insert(truncate(name), i as f64);
            }
        }
        'P' => {
            for (name, value) in [("am", 0.0), ("AM", 0.0), ("pm", 1.0), ("PM", 1.0)] {
                names.insert(name.to_string(), value);
            }
        }
        _ => return Err(Error::new("D3133").value(format!("\"{component}\""))),
    }
    let read = move |value: &str| names.get(value).copied().unwrap_or(f64::NAN);
    Ok(Reader { pattern: "[a-zA-Z]+".into(), component: Some(component), read: Box::new(read) })
}

/// Parses `timestamp` with a picture; `None` when it does not match.
fn parse_date_time(timestamp: &str, picture: &str, now_ms: i64) -> Result<Option<f64>, Error> {
    let parts = analyse(picture)?;
    let readers = parts.iter().map(reader).collect::<Result<Vec<_>, _>>()?;
    let full: String = readers.iter().map(|r| format!("({})", r.pattern)).collect();
    let matcher = regex::RegexBuilder::new(&format!("^{full}$"))
        .case_insensitive(true)
        .build()
        .map_err(|_| Error::new("D3136"))?;
    let Some(captures) = matcher.captures(timestamp) else { return Ok(None) };
    let mut components: HashMap<char, f64> = HashMap::new();
    for (i, reader) in readers.iter().enumerate() {
        if let (Some(component), Some(text)) = (reader.component, captures.get(i + 1)) {
            components.insert(component, (reader.read)(text.as_str()));
        }
    }
    if components.is_empty() {
        return Ok(None);
    }
    let present =
        |c: char, components: &HashMap<char, f64>| components.get(&c).is_some_and(|v| *v != 0.0 && !v.is_nan());
    let mask_of = |letters: &str, components: &HashMap<char, f64>| {
        letters.chars().fold(0u32, |mask, c| mask << 1 | present(c, components) as u32)
    };
    let is_type = |kind: u32, mask: u32| (!kind & mask) == 0 && (kind & mask) != 0;
    let date_mask = mask_of("YXMxWwdD", &components);
    let date_a = is_type(161, date_mask);
    let date_b = !date_a && is_type(130, date_mask);
    let date_c = is_type(84, date_mask);
    let date_d = !date_c && is_type(72, date_mask);
    let time_mask = mask_of("PHhmsf", &components);
    let time_a = is_type(23, time_mask);
    let time_b = !time_a && is_type(47, time_mask);
    let date_components = if date_b {
        "YD"
    } else if date_c {
        "XxwF"
    } else if date_d {
        "XWF"
    } else {
        "YMD"
    };
    let time_components = if time_b { "Phmsf" } else { "Hmsf" };
    let now = DateTime::from_millis(now_ms);
    let mut start_specified = false;
    let mut end_specified = false;
    for part in date_components.chars().chain(time_components.chars()) {
        match components.entry(part) {
            std::collections::hash_map::Entry::Occupied(_) => {
                start_specified = true;
                if end_specified {
                    return Err(Error::new("D3136"));
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                if start_specified {
                    slot.insert(if "MDd".contains(part) { 1.0 } else { 0.0 });
                    end_specified = true;
                } else {
                    slot.insert(match fragment(&now, part) {
                        Fragment::Number(n) => n as f64,
                        Fragment::Text(_) => f64::NAN,
                    });
                }
            }
        }
    }
    let get = |c: char, components: &HashMap<char, f64>| components.get(&c).copied().unwrap_or(0.0);
    let month = get('M', &components);
    components.insert('M', if month > 0.0 { month - 1.0 } else { 0.0 });
    if date_b {
        let first = utc(get('Y', &components) as i64, 0, 1, 0, 0, 0, 0);
        let derived = DateTime::from_millis(first + (get('d', &components) as i64 - 1) * MILLIS_PER_DAY);
        components.insert('M', (derived.month - 1) as f64);
        components.insert('D', derived.day as f64);
    }
    if date_c || date_d {
        return Err(Error::new("D3136"));
    }
    if time_b {
        let h = get('h', &components);
        let mut hours = if h == 12.0 { 0.0 } else { h };
        if get('P', &components) == 1.0 {
            hours += 12.0;
        }
        components.insert('H', hours);
    }
    let fields: Vec<f64> = "YMDHmsf".chars().map(|c| get(c, &components)).collect();
    if fields.iter().any(|f| !f.is_finite()) {
        return Ok(Some(f64::NAN));
    }
    let [y, m, d, h, mi, s, f] = [0, 1, 2, 3, 4, 5, 6].map(|i| fields[i] as i64);
    let mut millis = utc(y, m, d, h, mi, s, f) as f64;
    let zone = components.get(&'Z').or_else(|| components.get(&'z')).copied().unwrap_or(0.0);
    if zone != 0.0 {
        millis -= zone * 60.0 * 1000.0;
    }
    Ok(Some(millis))
}

/// Parses an ISO 8601 timestamp as `Date.parse` does; `None` when it is not one.
fn parse_iso(timestamp: &str) -> Option<f64> {
    static SHAPE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"^(\d{4})(?:-([01]\d))?(?:-([0-3]\d))?(?:T([0-2]\d):([0-5]\d):([0-5]\d))?(\.\d+)?(?:([+-])([0-2]\d):?([0-5]\d)|(Z))?$",
        )
        .expect("the ISO 8601 pattern compiles")
    });
    let c = SHAPE.captures(timestamp)?;
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<i64>().ok());
    let year = num(1)?;
    let month = num(2).unwrap_or(1);
    let day = num(3).unwrap_or(1);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || num(4).unwrap_or(0) > 24 {
        return Some(f64::NAN);
    }
    let millis_text = c.get(7).map(|m| m.as_str()[1..].to_string()).unwrap_or_default();
    let millis: i64 = format!("{millis_text:0<3}")[..3].parse().unwrap_or(0);
    let mut result = utc(year, month - 1, day, num(4).unwrap_or(0), num(5).unwrap_or(0), num(6).unwrap_or(0), millis);
    if let Some(sign) = c.get(8) {
        let offset = (num(9).unwrap_or(0) * 60 + num(10).unwrap_or(0)) * 60_000;
        result += if sign.as_str() == "+" { -offset } else { offset };
    }
    Some(result as f64)
}

pub(crate) fn to_millis(ev: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(timestamp) = arg(&args, 0) else { return Ok(Value::Undefined) };
    match arg(&args, 1) {
        Value::String(picture) => {
            Ok(parse_date_time(&timestamp, &picture, ev.now_ms)?.map(Value::Number).unwrap_or_default())
        }
        _ => match parse_iso(&timestamp) {
            Some(millis) => Ok(Value::Number(millis)),
            None => Err(Error::new("D3110").value(format!("\"{timestamp}\""))),
        },
    }
}

pub(crate) fn from_millis(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::Number(millis) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let picture = arg(&args, 1);
    let timezone = arg(&args, 2);
    Ok(Value::string(format_date_time(millis, picture.as_str(), timezone.as_str())?))
}

pub(crate) fn now(ev: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let picture = arg(&args, 0);
    let timezone = arg(&args, 1);
    Ok(Value::string(format_date_time(ev.now_ms as f64, picture.as_str(), timezone.as_str())?))
}

pub(crate) fn millis(ev: &mut Evaluator, _: &CallSite, _: Vec<Value>) -> Result<Value, Error> {
    Ok(Value::Number(ev.now_ms as f64))
}
