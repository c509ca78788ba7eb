//! Encoding functions: `$base64encode`/`$base64decode` (over the string's code units as Latin-1 bytes, as
//! JSONata does) and the URL encoders/decoders of JavaScript (`encodeURIComponent`, `decodeURI`, ...).

use super::arg;
use crate::error::Error;
use crate::evaluator::Evaluator;
use crate::function::CallSite;
use crate::value::Value;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn string_arg(args: &[Value]) -> Option<std::rc::Rc<str>> {
    match arg(args, 0) {
        Value::String(s) => Some(s),
        _ => None,
    }
}

pub(crate) fn base64_encode(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Some(s) = string_arg(&args) else { return Ok(Value::Undefined) };
    let bytes: Vec<u8> = s.encode_utf16().map(|u| u as u8).collect();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n =
            (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    Ok(Value::string(out))
}

pub(crate) fn base64_decode(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Some(s) = string_arg(&args) else { return Ok(Value::Undefined) };
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = String::new();
    for c in s.chars() {
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' | '-' => 62,
            '/' | '_' => 63,
            '=' => break,
            _ => continue,
        };
        bits = bits << 6 | v;
        count += 1;
        if count == 4 {
            for shift in [16, 8, 0] {
                out.push(char::from((bits >> shift & 0xFF) as u8));
            }
            bits = 0;
            count = 0;
        }
    }
    if count == 2 {
        out.push(char::from((bits >> 4 & 0xFF) as u8));
    } else if count == 3 {
        out.push(char::from((bits >> 10 & 0xFF) as u8));
        out.push(char::from((bits >> 2 & 0xFF) as u8));
    }
    Ok(Value::string(out))
}

fn percent_encode(s: &str, keep: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c) || keep.contains(c) {
            out.push(c);
        } else {
            let mut buffer = [0u8; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// Decodes `%XX` escapes as UTF-8, leaving escapes of the `reserved` characters as they are; `None` when an
/// escape is malformed.
fn percent_decode(s: &str, reserved: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = |j: usize| -> Option<u8> { u8::from_str_radix(s.get(j + 1..j + 3)?, 16).ok() };
        let first = hex(i)?;
        let width = match first {
            0x00..=0x7F => 1,
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return None,
        };
        let mut sequence = vec![first];
        for k in 1..width {
            let j = i + 3 * k;
            if bytes.get(j) != Some(&b'%') {
                return None;
            }
            sequence.push(hex(j)?);
        }
        let decoded = std::str::from_utf8(&sequence).ok()?;
        if width == 1 && reserved.contains(decoded) {
            out.extend_from_slice(&bytes[i..i + 3]);
        } else {
            out.extend_from_slice(decoded.as_bytes());
        }
        i += 3 * width;
    }
    String::from_utf8(out).ok()
}

fn decode(args: &[Value], reserved: &str, name: &str) -> Result<Value, Error> {
    let Some(s) = string_arg(args) else { return Ok(Value::Undefined) };
    percent_decode(&s, reserved).map(Value::string).ok_or_else(|| {
        Error::new("D3140").value(format!("\"{s}\"")).text(format!("Malformed URL passed to ${name}(): \"{s}\""))
    })
}

pub(crate) fn encode_url_component(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    Ok(string_arg(&args).map(|s| Value::string(percent_encode(&s, ""))).unwrap_or_default())
}

pub(crate) fn encode_url(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    Ok(string_arg(&args).map(|s| Value::string(percent_encode(&s, ";,/?:@&=+$#"))).unwrap_or_default())
}

pub(crate) fn decode_url_component(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    decode(&args, "", "decodeUrlComponent")
}

pub(crate) fn decode_url(_: &mut Evaluator, _: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    decode(&args, ";/?:@&=+$,#", "decodeUrl")
}
