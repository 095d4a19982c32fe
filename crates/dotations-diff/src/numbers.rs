//! Numbers written for a reader: digits grouped by thousands, differences with their sign.

use rust_decimal::Decimal;

/// A count of communes, grouped as amounts are from five digits (`35 000`, `9929`).
pub fn count(n: usize) -> String {
    group(&n.to_string(), ' ', 5)
}

/// Groups the digits of the integer part of a number's text by thousands with `separator`
/// (`2757963613` → `2_757_963_613`), when it has at least `min_digits` of them. Text that is not
/// a plain decimal (`NaN`, `1e-9`, `true`) is returned as is.
pub fn group(text: &str, separator: char, min_digits: usize) -> String {
    let (sign, rest) = match text.strip_prefix(['-', '+']) {
        Some(rest) => (&text[..1], rest),
        None => ("", text),
    };
    let (integer, fraction) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let plain = !integer.is_empty()
        && integer.chars().all(|c| c.is_ascii_digit())
        && fraction.is_none_or(|f| f.chars().all(|c| c.is_ascii_digit()));
    if !plain || integer.len() < min_digits {
        return text.to_string();
    }
    let mut grouped = String::with_capacity(integer.len() + integer.len() / 3);
    for (i, digit) in integer.chars().enumerate() {
        if i > 0 && (integer.len() - i) % 3 == 0 {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A parameter value as the repository's YAML writes it: exact, with `_` between thousands
/// from five digits on (`2_757_963_613`, `1000`, `0.85`).
pub fn parameter_text(number: Decimal) -> String {
    group(&number.to_string(), '_', 5)
}

/// The exact difference of two parameter values and, when the old one is not zero, its
/// relative size: `+100_000_000 (+3.63 %)`.
pub fn parameter_difference(old: Decimal, new: Decimal) -> String {
    let delta = new - old;
    let sign = if delta > Decimal::ZERO { "+" } else { "" };
    let mut text = format!("{sign}{}", parameter_text(delta.normalize()));
    if !old.is_zero() {
        if let Some(ratio) = delta.checked_div(old).and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED)) {
            text.push_str(&format!(" ({sign}{} %)", ratio.round_dp(2).normalize()));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group("2757963613", '_', 5), "2_757_963_613");
        assert_eq!(group("-87199206412.53", ' ', 4), "-87 199 206 412.53");
        assert_eq!(group("1000", '_', 5), "1000");
        assert_eq!(group("0.146872", ' ', 4), "0.146872");
        assert_eq!(group("2.000e-9", ' ', 4), "2.000e-9");
        assert_eq!(group("NaN", ' ', 4), "NaN");
    }

    #[test]
    fn differences_are_exact_with_their_relative_size() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(parameter_difference(d("2757963613"), d("2857963613")), "+100_000_000 (+3.63 %)");
        assert_eq!(parameter_difference(d("0.5"), d("0.25")), "-0.25 (-50 %)");
        assert_eq!(parameter_difference(d("0"), d("3")), "+3");
        assert_eq!(parameter_difference(d("0.1"), d("0.30")), "+0.2 (+200 %)");
    }
}
