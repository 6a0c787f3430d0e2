//! JSON pointers (RFC 6901), the way every stage names a spec node: `/oses/ubuntu-2404/iso`.
//! One escaper and one reader, so that a key holding `/` or `~` means the same node
//! everywhere. Pure string functions, no I/O.

/// One reference token escaped for a pointer: `~` as `~0`, `/` as `~1`.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// One reference token as written in a pointer, unescaped.
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The pointer of unescaped tokens: `["oses", "a/b"]` is `/oses/a~1b`.
pub fn from_tokens<S: AsRef<str>>(tokens: &[S]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", escape(t.as_ref())))
        .collect()
}

/// `pointer` with one more token.
pub fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape(token))
}

/// The unescaped tokens of a pointer; the empty pointer (the whole document) has none.
pub fn tokens(pointer: &str) -> Vec<String> {
    match pointer.strip_prefix('/') {
        Some(rest) => rest.split('/').map(unescape).collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_with_slashes_and_tildes_round_trip() {
        let tokens = ["oses", "a/b", "~c", "~1"];
        let pointer = from_tokens(&tokens);
        assert_eq!(pointer, "/oses/a~1b/~0c/~01");
        assert_eq!(super::tokens(&pointer), tokens);
        assert_eq!(child("/oses", "x/y"), "/oses/x~1y");
        assert!(super::tokens("").is_empty());
    }
}
