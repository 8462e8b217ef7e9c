//! Flag words on the command line: `--flags 7936`, `--flags 0x1f00` or
//! `--flags disable-topic-set,disable-list`.

use std::fmt;

/// A named bit of a flags word.
#[derive(Debug, Clone, Copy)]
pub struct FlagName {
    pub name: &'static str,
    pub bit: u32,
}

/// A flags value parsed from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags(pub u32);

/// Why a flags value did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagsError {
    unknown: String,
    known: Vec<&'static str>,
}

impl fmt::Display for FlagsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is neither a number nor a flag name (names: {})",
            self.unknown,
            self.known.join(", ")
        )
    }
}

impl std::error::Error for FlagsError {}

/// Parses a decimal or `0x` hexadecimal number, or flag names joined by `,` or `|`.
pub fn parse(text: &str, names: &[FlagName]) -> Result<Flags, FlagsError> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        if let Ok(bits) = u32::from_str_radix(hex, 16) {
            return Ok(Flags(bits));
        }
    } else if let Ok(bits) = text.parse::<u32>() {
        return Ok(Flags(bits));
    }
    let mut bits = 0;
    for word in text
        .split([',', '|'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        let word_norm = word.to_ascii_lowercase().replace('_', "-");
        match names.iter().find(|n| n.name == word_norm) {
            Some(n) => bits |= n.bit,
            None => {
                return Err(FlagsError {
                    unknown: word.to_owned(),
                    known: names.iter().map(|n| n.name).collect(),
                });
            }
        }
    }
    Ok(Flags(bits))
}

/// The names of the bits set in `bits`, unknown bits as hexadecimal (`disable-list,0x10000`).
pub fn describe(bits: u32, names: &[FlagName]) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut rest = bits;
    for n in names {
        if bits & n.bit != 0 {
            words.push(n.name.to_owned());
            rest &= !n.bit;
        }
    }
    if rest != 0 {
        words.push(format!("{rest:#x}"));
    }
    words.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[FlagName] = &[
        FlagName { name: "op", bit: 1 },
        FlagName {
            name: "voice",
            bit: 2,
        },
    ];

    #[test]
    fn numbers_and_names_parse() {
        assert_eq!(parse("3", NAMES), Ok(Flags(3)));
        assert_eq!(parse("0x1f00", NAMES), Ok(Flags(0x1f00)));
        assert_eq!(parse("op,voice", NAMES), Ok(Flags(3)));
        assert_eq!(parse("VOICE", NAMES), Ok(Flags(2)));
        assert_eq!(parse("", NAMES), Ok(Flags(0)));
    }

    #[test]
    fn unknown_names_are_refused_with_the_known_ones() {
        let err = parse("op,admin", NAMES).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`admin` is neither a number nor a flag name (names: op, voice)"
        );
        assert!(parse("0xzz", NAMES).is_err(), "bad hexadecimal");
    }

    #[test]
    fn describe_names_known_bits_and_shows_the_rest() {
        assert_eq!(describe(3, NAMES), "op,voice");
        assert_eq!(describe(0x10002, NAMES), "voice,0x10000");
        assert_eq!(describe(0, NAMES), "");
    }
}
