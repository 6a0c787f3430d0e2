//! Words for a POSIX shell, as the commands hybridc prints and the CI jobs it writes need them.

/// A shell word that `sh` reads back as exactly `text`: as it is when it holds only
/// `A-Z a-z 0-9 _ . / = , : @ % + -` (and is not empty), else in single quotes, a `'` inside
/// written as `'\''`.
pub fn word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./=,:@%+-".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// A command line of shell words.
pub fn line(args: &[String]) -> String {
    args.iter().map(|a| word(a)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_and_others_are_quoted() {
        assert_eq!(word("spec/"), "spec/");
        assert_eq!(word("-only=a.b-c.d,e.f"), "-only=a.b-c.d,e.f");
        assert_eq!(word("my spec/"), "'my spec/'");
        assert_eq!(word("it's"), r"'it'\''s'");
        assert_eq!(word(""), "''");
    }

    /// `sh` itself reads each word back as the text it was made from.
    #[test]
    fn the_shell_reads_every_word_back() {
        let texts = [
            "plain",
            "a b",
            "it's",
            "''",
            "$HOME",
            "`id`",
            "$(id)",
            "a\"b",
            "back\\slash",
            "tab\there",
            "new\nline",
            "*?[a]",
            "~user",
            "#hash",
            "semi;colon",
            "a|b&c",
            "é 日本",
            "",
            "-",
            "=x",
        ];
        let script: String = texts
            .iter()
            .map(|t| format!("printf '%s\\0' {}\n", word(t)))
            .collect();
        let Ok(out) = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
        else {
            panic!("`sh` runs on every machine hybridc is built on");
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read: Vec<&str> = std::str::from_utf8(&out.stdout)
            .expect("UTF-8")
            .split_terminator('\0')
            .collect();
        assert_eq!(read, texts);
    }
}
