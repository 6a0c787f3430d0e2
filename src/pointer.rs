//! JSON pointers (RFC 6901), the way every stage names a spec node: `/oses/ubuntu-2404/iso`.
//! One escaper and one reader, so that a key holding `/` or `~` means the same node
//! everywhere. [`Pointer`] is the typed form a stage keeps; the functions work on text that
//! comes from elsewhere (a schema error's instance path). Pure, no I/O.

use std::fmt;
use std::sync::Arc;

/// A JSON pointer to a spec node, built only from unescaped tokens, so it is always escaped
/// right: `/oses/a~1b`. Shared, not copied: the model gives every argument its origin.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pointer(Arc<str>);

impl Default for Pointer {
    fn default() -> Self {
        Pointer::root()
    }
}

impl Pointer {
    /// The whole document: the empty pointer.
    pub fn root() -> Self {
        Pointer(Arc::from(""))
    }

    /// The pointer of unescaped tokens: `["oses", "a/b"]` is `/oses/a~1b`.
    pub fn new<S: AsRef<str>>(tokens: &[S]) -> Self {
        Pointer(from_tokens(tokens).into())
    }

    /// This pointer with one more (unescaped) token.
    pub fn child(&self, token: &str) -> Self {
        Pointer(child(&self.0, token).into())
    }

    /// This pointer with more (unescaped) tokens.
    pub fn join<S: AsRef<str>>(&self, tokens: &[S]) -> Self {
        let mut out = String::from(&*self.0);
        for token in tokens {
            out.push('/');
            push_escaped(&mut out, token.as_ref());
        }
        Pointer(out.into())
    }

    /// The escaped text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The unescaped tokens.
    pub fn tokens(&self) -> Vec<String> {
        tokens(&self.0)
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Pointer {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// One reference token escaped for a pointer: `~` as `~0`, `/` as `~1`.
pub fn escape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    push_escaped(&mut out, token);
    out
}

/// Appends `token`, escaped, to `out`.
fn push_escaped(out: &mut String, token: &str) {
    if !token.contains(['~', '/']) {
        out.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// One reference token as written in a pointer, unescaped.
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The pointer of unescaped tokens: `["oses", "a/b"]` is `/oses/a~1b`.
pub fn from_tokens<S: AsRef<str>>(tokens: &[S]) -> String {
    let mut out = String::with_capacity(tokens.iter().map(|t| t.as_ref().len() + 1).sum());
    for token in tokens {
        out.push('/');
        push_escaped(&mut out, token.as_ref());
    }
    out
}

/// `pointer` with one more token.
pub fn child(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    push_escaped(&mut out, token);
    out
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

    #[test]
    fn a_typed_pointer_escapes_every_token_it_is_given() {
        let os = Pointer::new(&["oses", "a/b"]);
        assert_eq!(os.as_str(), "/oses/a~1b");
        assert_eq!(os.child("~x").as_str(), "/oses/a~1b/~0x");
        assert_eq!(os.join(&["steps", "0"]).to_string(), "/oses/a~1b/steps/0");
        assert_eq!(os.child("c/d").tokens(), ["oses", "a/b", "c/d"]);
        assert_eq!(Pointer::root().as_str(), "");
        assert!(Pointer::root().tokens().is_empty());
    }
}
