//! Numbers as JavaScript prints and rounds them (`Number.prototype.toString`, `toPrecision`, `toFixed`,
//! `Math.round`), because JSONata's results are defined by them. Pure arithmetic on `f64`; no parsing of
//! expressions.

/// The shortest round-trip decimal digits of a finite, non-zero `v` and its decimal exponent `n`, so that
/// `v = 0.d1d2... × 10^n`.
fn shortest_digits(v: f64) -> (String, i32) {
    let formatted = format!("{:e}", v.abs());
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    (digits, exponent + 1)
}

/// `String(v)` in JavaScript.
pub(crate) fn to_js_string(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let (digits, n) = shortest_digits(v);
    let k = digits.len() as i32;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let exp = if e >= 0 { format!("e+{e}") } else { format!("e-{}", -e) };
        if k == 1 {
            format!("{digits}{exp}")
        } else {
            format!("{}.{}{exp}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

/// `Number(v.toPrecision(p))`: `v` rounded to `p` significant digits.
pub(crate) fn round_to_precision(v: f64, p: usize) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    format!("{:.*e}", p.saturating_sub(1), v).parse().unwrap_or(v)
}

/// `Math.round`: to the nearest integer, halves toward positive infinity.
pub(crate) fn js_round(v: f64) -> f64 {
    if !v.is_finite() {
        return v;
    }
    let floor = v.floor();
    if v - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    }
}

/// `Math.abs(v).toFixed(dp)`: fixed-point digits, halves rounded away from zero on the exact binary value.
pub(crate) fn to_fixed_abs(v: f64, dp: usize) -> String {
    let v = v.abs();
    if v >= 1e21 {
        return to_js_string(v);
    }
    let exact = format!("{v:.1100}");
    let (int_part, frac_part) = exact.split_once('.').unwrap_or((&exact, ""));
    let mut digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes().take(dp)).map(|b| b - b'0').collect();
    let rest = frac_part.as_bytes().get(dp..).unwrap_or_default();
    if rest.first().is_some_and(|&d| d >= b'5') {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, 1);
                break;
            }
            i -= 1;
            if digits[i] == 9 {
                digits[i] = 0;
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let int_len = digits.len() - dp;
    let mut out: String = digits[..int_len].iter().map(|d| (b'0' + d) as char).collect();
    if dp > 0 {
        out.push('.');
        out.extend(digits[int_len..].iter().map(|d| (b'0' + d) as char));
    }
    out
}

/// `v.toString(radix)` for an integral `v`.
pub(crate) fn to_radix_string(v: f64, radix: u32) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let negative = v < 0.0;
    let mut magnitude = v.abs();
    let mut digits = Vec::new();
    while magnitude >= 1.0 {
        let digit = (magnitude % radix as f64) as u32;
        digits.push(std::char::from_digit(digit, radix).unwrap_or('0'));
        magnitude = ((magnitude - digit as f64) / radix as f64).floor();
    }
    if negative {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_javascript() {
        assert_eq!(to_js_string(1.0), "1");
        assert_eq!(to_js_string(-1.5), "-1.5");
        assert_eq!(to_js_string(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(to_js_string(1e21), "1e+21");
        assert_eq!(to_js_string(123456789012345680000.0), "123456789012345680000");
        assert_eq!(to_js_string(1e-7), "1e-7");
        assert_eq!(to_js_string(0.000001), "0.000001");
        assert_eq!(to_js_string(9.33262154439441e155), "9.33262154439441e+155");
    }

    #[test]
    fn rounds_like_javascript() {
        assert_eq!(js_round(2.5), 3.0);
        assert_eq!(js_round(-2.5), -2.0);
        assert_eq!(js_round(0.49999999999999994), 0.0);
        assert_eq!(to_fixed_abs(2.5, 0), "3");
        assert_eq!(to_fixed_abs(1.005, 2), "1.00");
        assert_eq!(to_fixed_abs(0.0, 2), "0.00");
        assert_eq!(round_to_precision(0.1 + 0.2, 15), 0.3);
        assert_eq!(to_radix_string(-255.0, 16), "-ff");
    }
}
