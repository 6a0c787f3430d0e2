//! `hybridc lsp`: a language server over standard input and output for spec files named
//! `hybrid.yaml`, meant to run beside yaml-language-server, which keeps completing and
//! documenting keys from the JSON Schema. This server publishes what only the compiler knows:
//! the findings of every stage (YAML, schema, semantics, lowering and the plugin catalogue),
//! with the codes, messages and places `hybridc validate` prints, and offers the did-you-mean
//! replacements as quick fixes.
//!
//! It owns the protocol: the handshake, the open documents (full text sync), when they are
//! checked (at once when opened or saved, after [`QUIET`] without a change while typing), and
//! the answer to each request. It does not know how a spec is checked: the binary hands it the
//! pipeline as a [`Check`], run on the document's text in memory with the repository root the
//! CLI would use ([`crate::source::repository_root`]); nothing is written. Documents of other
//! names are kept but never checked. Hover, completion and go to definition on a spec are
//! [`crate::editor`]'s answers ([`features`] converts them). A request it does not serve gets
//! `MethodNotFound`, one it cannot read `InvalidParams`, and neither stops it.

mod actions;
mod diagnostics;
mod features;
pub mod position;
mod transport;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notify, Notification as _};
use lsp_types::request::{self as ask, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, InitializeResult,
    PublishDiagnosticsParams, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri,
};

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::error::Error;
use crate::loaded::Loaded;
use crate::recheck::Recheck;
use crate::source;

use diagnostics::Text;
use position::LineIndex;

/// How long a document must go without a change before it is checked: typing does not queue
/// one check per key.
pub const QUIET: Duration = Duration::from_millis(50);

/// The pipeline the server runs on a document: spec text in memory and its repository root,
/// with what the document's earlier checks found out, as `hybridc validate` checks a spec
/// (`hybridc::validate_again`).
pub type Check = fn(SourceFile, PathBuf, &mut Recheck) -> Result<Loaded, Error>;

/// How the server ended, as the protocol's exit code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// `exit` after `shutdown` (exit code 0).
    Clean,
    /// `exit` without `shutdown`, or the editor closed the connection (exit code 1).
    Abruptly,
}

/// Serves the editor on standard input and output until it says `exit` or goes away; both
/// threads of the connection are finished when this returns.
///
/// # Errors
/// When the editor never sends `initialize`, with what it sent instead.
pub fn serve(check: Check) -> Result<Ended, String> {
    let (connection, threads) = transport::stdio();
    let ended = run(&connection, check);
    // The writer stops once every sender is gone, after writing what is queued.
    drop(connection);
    threads.join();
    ended
}

/// Serves the editor on `connection`, from the handshake to `exit`.
///
/// # Errors
/// When the editor never sends `initialize`, with what it sent instead.
pub fn run(connection: &Connection, check: Check) -> Result<Ended, String> {
    let (id, _) = connection.initialize_start().map_err(|e| e.to_string())?;
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "hybridc".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    };
    let mut server = Server {
        connection,
        check,
        documents: HashMap::new(),
        shut_down: false,
    };
    server.send(Response::new_ok(id, result));
    Ok(server.serve())
}

/// What the server does, as it tells the editor in the handshake.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp_types::CompletionOptions::default()),
        definition_provider: Some(lsp_types::OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// An open document.
#[derive(Debug)]
struct Document {
    uri: Uri,
    version: i32,
    text: String,
    /// Where the lines of `text` start.
    index: LineIndex,
    /// The spec file it is, when it is a file named `hybrid.yaml`: only those are checked.
    spec: Option<PathBuf>,
    /// When to check it next, if it changed since it was last checked.
    due: Option<Instant>,
    /// What was published for it last, for the code actions.
    published: Vec<lsp_types::Diagnostic>,
    /// What the editor module knows of its text, made at the first hover, completion or
    /// definition asked of this text.
    editor: Option<crate::editor::Document>,
    /// The checked spec of its last check, while its text and files are those it was checked
    /// with: the editor module's, when it is made.
    loaded: Option<Loaded>,
    /// What its checks found out about its OSes, for the next one.
    recheck: Recheck,
    /// What was known of earlier texts, to be freed after the next check.
    forgotten: Vec<(Option<crate::editor::Document>, Option<Loaded>)>,
}

impl Document {
    /// Lets go of what was known of the document's text and files. Freeing a large spec's
    /// trees takes milliseconds: it is done on another thread once the next check has
    /// published its findings ([`Document::free`]), not while that check runs.
    fn forget(&mut self) {
        let known = (self.editor.take(), self.loaded.take());
        if known.0.is_some() || known.1.is_some() {
            self.forgotten.push(known);
        }
    }

    /// Frees what [`Document::forget`] let go of, on another thread that yields to this one.
    fn free(&mut self) {
        let forgotten = std::mem::take(&mut self.forgotten);
        if !forgotten.is_empty() {
            crate::parallel::drop_aside(forgotten);
        }
    }
}

struct Server<'a> {
    connection: &'a Connection,
    check: Check,
    /// Open documents by URI.
    documents: HashMap<String, Document>,
    shut_down: bool,
}

impl Server<'_> {
    fn serve(&mut self) -> Ended {
        loop {
            let due = self.documents.values().filter_map(|d| d.due).min();
            // No check waiting: wait as long as it takes (an endless timeout is a plain wait).
            let wait = due.map_or(Duration::MAX, |due| {
                due.saturating_duration_since(Instant::now())
            });
            let received = self.connection.receiver.recv_timeout(wait);
            match received {
                Ok(Message::Request(request)) => self.request(request),
                Ok(Message::Notification(n)) if n.method == notify::Exit::METHOD => {
                    return if self.shut_down {
                        Ended::Clean
                    } else {
                        Ended::Abruptly
                    };
                }
                Ok(Message::Notification(n)) => self.notification(n),
                Ok(Message::Response(_)) => {}
                Err(e) if e.is_timeout() => {}
                Err(_) => return Ended::Abruptly,
            }
            self.check_due();
        }
    }

    /// The dispatch table of requests. Each handler takes the request's parameters and returns
    /// its result; `answer` reads the one and sends the other.
    fn request(&mut self, request: Request) {
        if self.shut_down {
            let id = request.id.clone();
            return self.send(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_owned(),
            ));
        }
        match request.method.as_str() {
            ask::Shutdown::METHOD => {
                self.shut_down = true;
                self.send(Response::new_ok(request.id, ()));
            }
            ask::CodeActionRequest::METHOD => {
                self.answer::<ask::CodeActionRequest>(request, Server::code_actions)
            }
            ask::HoverRequest::METHOD => self.answer::<ask::HoverRequest>(request, Server::hover),
            ask::Completion::METHOD => self.answer::<ask::Completion>(request, Server::completion),
            ask::GotoDefinition::METHOD => {
                self.answer::<ask::GotoDefinition>(request, Server::definition)
            }
            _ => {
                let message = format!("hybridc lsp does not serve `{}`", request.method);
                self.send(Response::new_err(
                    request.id,
                    ErrorCode::MethodNotFound as i32,
                    message,
                ));
            }
        }
    }

    /// Reads the parameters of `request` as `R`'s, and sends what `handler` makes of them.
    fn answer<R: ask::Request>(
        &mut self,
        request: Request,
        handler: fn(&mut Self, R::Params) -> R::Result,
    ) {
        let id: RequestId = request.id.clone();
        match request.extract::<R::Params>(R::METHOD) {
            Ok((id, params)) => {
                let result = handler(self, params);
                self.send(Response::new_ok(id, result));
            }
            Err(e) => self.send(Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                e.to_string(),
            )),
        }
    }

    fn code_actions(
        &mut self,
        params: lsp_types::CodeActionParams,
    ) -> Option<lsp_types::CodeActionResponse> {
        let key = params.text_document.uri.as_str();
        // A document still waiting for its check is checked first, so that the fixes are
        // those of its text.
        if self.documents.get(key).is_some_and(|d| d.due.is_some()) {
            self.check_now(key);
        }
        let document = self.documents.get(key)?;
        Some(actions::quick_fixes(
            &document.uri,
            &document.published,
            params.range,
        ))
    }

    fn hover(&mut self, params: lsp_types::HoverParams) -> Option<lsp_types::Hover> {
        let (spec, offset) = self.spec_at(&params.text_document_position_params)?;
        spec.hover(offset)
    }

    fn completion(
        &mut self,
        params: lsp_types::CompletionParams,
    ) -> Option<lsp_types::CompletionResponse> {
        let Some((spec, offset)) = self.spec_at(&params.text_document_position) else {
            return Some(lsp_types::CompletionResponse::Array(Vec::new()));
        };
        Some(spec.completion(offset))
    }

    fn definition(
        &mut self,
        params: lsp_types::GotoDefinitionParams,
    ) -> Option<lsp_types::GotoDefinitionResponse> {
        let (spec, offset) = self.spec_at(&params.text_document_position_params)?;
        spec.definition(offset)
    }

    /// The open spec a request is about, with the editor module's view of its text (made
    /// once per text), and the byte offset of the position asked about. `None` for a document
    /// that is no spec.
    fn spec_at(
        &mut self,
        at: &lsp_types::TextDocumentPositionParams,
    ) -> Option<(features::Spec<'_>, usize)> {
        let document = self.documents.get_mut(at.text_document.uri.as_str())?;
        let path = document.spec.clone()?;
        let offset = document.index.offset(&document.text, at.position);
        let editor = document.editor.get_or_insert_with(|| {
            let (root, text) = (repository_root(&path), document.text.clone());
            match document.loaded.take() {
                Some(loaded) => crate::editor::Document::checked(root, path, text, loaded),
                None => crate::editor::Document::new(Some(root), path, text),
            }
        });
        let spec = features::Spec {
            document: editor,
            index: &document.index,
        };
        Some((spec, offset))
    }

    /// The notifications: the documents' life. One whose parameters cannot be read is
    /// ignored, as the protocol wants of notifications.
    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notify::DidOpenTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidOpenTextDocumentParams>(
                    notify::DidOpenTextDocument::METHOD,
                ) {
                    let d = p.text_document;
                    let spec = spec_file(&d.uri);
                    let document = Document {
                        uri: d.uri,
                        version: d.version,
                        index: LineIndex::new(&d.text),
                        text: d.text,
                        spec,
                        due: Some(Instant::now()),
                        published: Vec::new(),
                        editor: None,
                        loaded: None,
                        recheck: Recheck::new(),
                        forgotten: Vec::new(),
                    };
                    self.documents
                        .insert(document.uri.as_str().to_owned(), document);
                }
            }
            notify::DidChangeTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidChangeTextDocumentParams>(
                    notify::DidChangeTextDocument::METHOD,
                ) && let Some(document) = self.documents.get_mut(p.text_document.uri.as_str())
                    // Full sync: the last change is the whole text.
                    && let Some(change) = p.content_changes.into_iter().last()
                {
                    document.index = LineIndex::new(&change.text);
                    document.text = change.text;
                    document.forget();
                    document.version = p.text_document.version;
                    document.due = Some(Instant::now() + QUIET);
                }
            }
            notify::DidSaveTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidSaveTextDocumentParams>(
                    notify::DidSaveTextDocument::METHOD,
                ) && let Some(document) = self.documents.get_mut(p.text_document.uri.as_str())
                {
                    // The files the spec names may have changed too.
                    document.due = Some(Instant::now());
                    document.forget();
                }
            }
            notify::DidCloseTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidCloseTextDocumentParams>(
                    notify::DidCloseTextDocument::METHOD,
                ) && let Some(document) = self.documents.remove(p.text_document.uri.as_str())
                    && !document.published.is_empty()
                {
                    self.publish(document.uri, Vec::new(), None);
                }
            }
            _ => {}
        }
    }

    /// Checks every document whose time has come.
    fn check_due(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self
            .documents
            .iter()
            .filter(|(_, d)| d.due.is_some_and(|due| due <= now))
            .map(|(key, _)| key.clone())
            .collect();
        for key in due {
            self.check_now(&key);
        }
    }

    /// Checks the document `key` and publishes what is found.
    fn check_now(&mut self, key: &str) {
        let check = self.check;
        let Some(document) = self.documents.get_mut(key) else {
            return;
        };
        document.due = None;
        let Some(spec) = &document.spec else {
            document.free();
            return;
        };
        let (found, loaded) = diagnose(check, spec, &document.text, &mut document.recheck);
        let text = Text {
            text: &document.text,
            index: &document.index,
        };
        let converted = diagnostics::convert(&found, &document.uri, &text);
        document.published = converted.clone();
        let (uri, version) = (document.uri.clone(), document.version);
        self.publish(uri, converted, Some(version));
        // Kept for the editor module, unless it already has its own view of this text; what
        // it replaces is dropped once the findings are on their way.
        if let Some(document) = self.documents.get_mut(key) {
            if document.editor.is_none() {
                document.loaded = loaded;
            } else if loaded.is_some() {
                document.forgotten.push((None, loaded));
            }
            document.free();
        }
        drop(found);
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams::new(uri, diagnostics, version);
        self.send(Notification::new(
            notify::PublishDiagnostics::METHOD.to_owned(),
            params,
        ));
    }

    fn send(&self, message: impl Into<Message>) {
        // A closed connection ends the loop at the next receive.
        let _ = self.connection.sender.send(message.into());
    }
}

/// The findings about the spec file `spec` whose text is `text`, as `hybridc validate` finds
/// them: warnings when it is valid, with the checked spec.
fn diagnose(
    check: Check,
    spec: &Path,
    text: &str,
    recheck: &mut Recheck,
) -> (Vec<Diagnostic>, Option<Loaded>) {
    let name = spec.display().to_string();
    let root = repository_root(spec);
    // A panic in the pipeline is a bug; it must not take the editor's server down with it.
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        source::decode(name, text.as_bytes().to_vec())
            .and_then(|source| check(source, root, recheck))
    }));
    match result {
        Ok(Ok(mut loaded)) => (std::mem::take(&mut loaded.warnings), Some(loaded)),
        Ok(Err(Error::Invalid { diagnostics, .. })) => (diagnostics, None),
        // Text in memory is neither unreadable nor an output folder.
        Ok(Err(_)) => (Vec::new(), None),
        // A panic said its piece on standard error, the editor's log; what the check had
        // learnt so far is not trusted.
        Err(_) => {
            *recheck = Recheck::new();
            (Vec::new(), None)
        }
    }
}

/// [`source::repository_root`] of an absolute spec path, which is absolute too: a spec at the
/// top of the file system is its own repository's root.
fn repository_root(spec: &Path) -> PathBuf {
    let root = source::repository_root(spec);
    if root.is_absolute() {
        return root;
    }
    spec.parent().map_or(root, Path::to_path_buf)
}

/// The spec file a document is, when its URI is a file named `hybrid.yaml`.
fn spec_file(uri: &Uri) -> Option<PathBuf> {
    if !uri
        .scheme()
        .is_some_and(|s| s.as_str().eq_ignore_ascii_case("file"))
    {
        return None;
    }
    let path = PathBuf::from(percent_decoded(uri.path().as_str())?);
    (path.is_absolute() && path.file_name()? == source::SPEC_FILE).then_some(path)
}

/// `%xx` escapes of a URI's path decoded; `None` when the result is not UTF-8.
fn percent_decoded(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The next message of the server, within a generous deadline.
    fn next(client: &Connection) -> Message {
        client
            .receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("the server answers")
    }

    #[test]
    fn a_session_publishes_findings_and_ends_cleanly() {
        let (server, client) = Connection::memory();
        let serving = std::thread::spawn(move || run(&server, crate::validate_again));
        let send = |message: Message| client.sender.send(message).expect("the server listens");
        let params = serde_json::json!({ "capabilities": {} });
        send(Request::new(1.into(), "initialize".to_owned(), params).into());
        assert!(matches!(next(&client), Message::Response(r) if r.id == 1.into()));
        send(Notification::new("initialized".to_owned(), serde_json::json!({})).into());
        let open = serde_json::json!({ "textDocument": {
            "uri": "file:///nowhere/spec/hybrid.yaml", "languageId": "yaml", "version": 1,
            "text": "version: 1\nplatforms: {}\nwat: 1\n",
        }});
        send(Notification::new("textDocument/didOpen".to_owned(), open).into());
        let Message::Notification(published) = next(&client) else {
            panic!("diagnostics first");
        };
        let published: PublishDiagnosticsParams =
            serde_json::from_value(published.params).expect("a publishDiagnostics notification");
        assert_eq!(published.version, Some(1));
        let unknown = published
            .diagnostics
            .iter()
            .find(|d| d.message.contains("`wat`"))
            .expect("the unknown key is reported");
        assert_eq!(unknown.range.start, lsp_types::Position::new(2, 0));
        send(Request::new(2.into(), "shutdown".to_owned(), ()).into());
        assert!(matches!(next(&client), Message::Response(r) if r.id == 2.into()));
        send(Notification::new("exit".to_owned(), ()).into());
        let ended = serving.join().expect("the server does not panic");
        assert_eq!(ended, Ok(Ended::Clean));
    }

    #[test]
    fn only_files_named_hybrid_yaml_are_specs() {
        let spec = |uri: &str| spec_file(&uri.parse().expect("a URI"));
        assert_eq!(
            spec("file:///r/my%20specs/hybrid.yaml"),
            Some(PathBuf::from("/r/my specs/hybrid.yaml"))
        );
        assert_eq!(spec("file:///r/spec/other.yaml"), None);
        assert_eq!(spec("untitled:hybrid.yaml"), None);
        assert_eq!(spec("file:///r/spec/bad%ff/hybrid.yaml"), None);
        assert_eq!(percent_decoded("a%2"), Some("a%2".to_owned()));
    }

    #[test]
    fn a_spec_at_the_top_is_its_own_root() {
        assert_eq!(
            repository_root(Path::new("/r/spec/hybrid.yaml")),
            PathBuf::from("/r")
        );
        assert_eq!(
            repository_root(Path::new("/hybrid.yaml")),
            PathBuf::from("/")
        );
    }
}
