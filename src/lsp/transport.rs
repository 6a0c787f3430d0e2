//! The server's connection over standard input and output: JSON-RPC messages framed by a
//! `Content-Length` header, read on one thread and written on another.
//!
//! `lsp_server::Connection::stdio` stops reading at the first frame it cannot parse, and a
//! server that stops reading hangs its editor; this transport answers such a frame and goes on:
//! a body that is not JSON gets the protocol's parse error (id `null`), a JSON body that is no
//! message gets an invalid-request error for its id when it has one, and a header line that is
//! not a header is skipped. It owns the two threads and nothing else; what a message means is
//! the server's business.

use std::io::{self, BufRead, Read, Write};
use std::thread::JoinHandle;

use lsp_server::{Connection, ErrorCode, Message, RequestId, Response};

/// The largest frame read whole; a larger one is skipped and answered with a parse error. A
/// spec is at most 4 MiB, and a frame carries it once, escaped.
const MAX_FRAME: usize = 64 * 1024 * 1024;

/// The reading and writing threads of a stdio connection.
#[derive(Debug)]
pub struct Threads {
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl Threads {
    /// Waits for both threads: the writer ends when every sender of the connection is dropped,
    /// the reader at the `exit` notification or the end of its input.
    pub fn join(self) {
        // A thread that panicked has nothing more to say; the server is stopping anyway.
        let _ = self.writer.join();
        let _ = self.reader.join();
    }
}

/// A connection over this process's standard input and output.
pub fn stdio() -> (Connection, Threads) {
    // The server's end and the transport's end of two channels, one each way.
    let (server, transport) = Connection::memory();
    let Connection {
        sender: incoming,
        receiver: outgoing,
    } = transport;
    let writer = std::thread::spawn(move || {
        for message in outgoing {
            if write(&message).is_err() {
                // The editor has gone; nothing more can be said.
                return;
            }
        }
    });
    let answers = server.sender.clone();
    let reader = std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        loop {
            let message = match read_frame(&mut input) {
                Ok(None) | Err(_) => return,
                Ok(Some(Frame::Body(body))) => parse(&body),
                Ok(Some(Frame::TooLarge)) => Err(Reply::ParseError(format!(
                    "a message larger than {} MiB is not read",
                    MAX_FRAME / 1024 / 1024
                ))),
            };
            match message {
                Ok(message) => {
                    let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                    if incoming.send(message).is_err() || exit {
                        return;
                    }
                }
                Err(Reply::ParseError(why)) => {
                    if write_parse_error(&why).is_err() {
                        return;
                    }
                }
                Err(Reply::Invalid(response)) => {
                    if answers.send((*response).into()).is_err() {
                        return;
                    }
                }
            }
        }
    });
    (server, Threads { reader, writer })
}

/// What the reader found between two headers.
enum Frame {
    /// A body, as UTF-8 text (invalid bytes replaced, so that a parse error says so).
    Body(String),
    /// A body over [`MAX_FRAME`], skipped.
    TooLarge,
}

/// What a frame that is no message gets.
enum Reply {
    /// The protocol's parse error, with id `null`.
    ParseError(String),
    /// An invalid-request error for the request's id.
    Invalid(Box<Response>),
}

/// The next frame of `input`; `None` at its end.
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Frame>> {
    let mut length = None;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            // A blank line before any header is noise between frames.
            match length {
                Some(length) => break finish(input, length).map(Some),
                None => continue,
            }
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
}

/// Reads a body of `length` bytes, or skips it when it is too large.
fn finish(input: &mut impl BufRead, length: usize) -> io::Result<Frame> {
    if length > MAX_FRAME {
        io::copy(&mut input.take(length as u64), &mut io::sink())?;
        return Ok(Frame::TooLarge);
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Frame::Body(String::from_utf8_lossy(&body).into_owned()))
}

/// The message in `body`, or what to answer instead.
fn parse(body: &str) -> Result<Message, Reply> {
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| Reply::ParseError(e.to_string()))?;
    let id = value.get("id").cloned();
    serde_json::from_value(value).map_err(|e| {
        let id = match id {
            Some(serde_json::Value::Number(n)) => n
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .map(RequestId::from),
            Some(serde_json::Value::String(s)) => Some(RequestId::from(s)),
            _ => None,
        };
        match id {
            Some(id) => Reply::Invalid(Box::new(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                format!("not a JSON-RPC message: {e}"),
            ))),
            None => Reply::ParseError(format!("not a JSON-RPC message: {e}")),
        }
    })
}

/// Writes `message` as one frame.
fn write(message: &Message) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    message.write(&mut out)
}

/// Writes the protocol's parse error, whose id is `null`: a message `lsp_server` cannot
/// carry, written under the same lock as every other frame.
fn write_parse_error(why: &str) -> io::Result<()> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": ErrorCode::ParseError as i32, "message": why },
    })
    .to_string();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &str) -> Vec<String> {
        let mut input = io::Cursor::new(input.as_bytes().to_vec());
        let mut found = Vec::new();
        while let Some(frame) = read_frame(&mut input).expect("in memory") {
            found.push(match frame {
                Frame::Body(body) => body,
                Frame::TooLarge => "too large".to_owned(),
            });
        }
        found
    }

    #[test]
    fn frames_are_read_past_noise() {
        let input = "Content-Length: 2\r\n\r\n{}garbage line\r\n\r\ncontent-length:3\r\nContent-Type: x\r\n\r\n[1]";
        assert_eq!(frames(input), ["{}", "[1]"]);
    }

    #[test]
    fn what_is_no_message_gets_an_answer() {
        assert!(matches!(parse("{"), Err(Reply::ParseError(_))));
        assert!(matches!(parse("[]"), Err(Reply::ParseError(_))));
        match parse(r#"{"jsonrpc":"2.0","id":7,"method":3}"#) {
            Err(Reply::Invalid(response)) => assert_eq!(response.id, RequestId::from(7)),
            _ => panic!("an invalid request with an id is answered for that id"),
        }
        assert!(matches!(
            parse(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            Ok(Message::Request(_))
        ));
    }
}
