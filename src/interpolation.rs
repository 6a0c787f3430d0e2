//! Packer's second template language: every plugin argument is also a Go template.
//!
//! Besides HCL's own `${...}` (which the printer escapes), the plugins render the strings of
//! their configuration as Go `text/template`s when they are prepared: packer-plugin-sdk
//! `template/config/decode.go` (`Decode`) passes the whole raw configuration through
//! `template/interpolate/render.go` (`RenderMap`), which renders every string under every
//! top-level key (list elements, nested blocks, map keys and values alike) unless the component
//! excludes the key, and parses even the excluded ones. A description holding `{{` therefore
//! fails the build (`render 'notes': ... error calling user`) or silently loses text.
//!
//! This pass makes spec text literal: in every plain string of the model ([`Expr::String`]),
//! `{{` becomes `{{"{{"}}`, which a single rendering turns back into `{{`. Text the generator
//! writes on purpose with template actions (`{{ .HTTPIP }}` in boot commands, `{{ .Path }}` in
//! execute commands) is the text of an [`Expr::Template`] and left alone; a string inside a
//! template's interpolations is escaped like any other.
//!
//! Some arguments are rendered again at run time until the text stops changing (shell `inline`
//! and `environment_vars`, the manifest's `custom_data`, the file provisioner's paths, ansible's
//! `extra_arguments` and `ansible_env_vars`, every `boot_command` and `execute_command`), where
//! no escape survives: spec text that reaches them must not contain `{{` at all, which
//! [`crate::semantic`] enforces with [`has_action`].

use crate::hcl::Expr;
use crate::model::{Arg, Args, Model};

/// What a Go template turns back into `{{` when rendered once.
const ESCAPED_OPEN: &str = "{{\"{{\"}}";

/// Whether Packer would read `text` as (the start of) a Go template action.
pub fn has_action(text: &str) -> bool {
    text.contains("{{")
}

/// `text` with every `{{` escaped for one Go-template rendering.
pub fn escape(text: &str) -> String {
    text.replace("{{", ESCAPED_OPEN)
}

/// Escapes every plain string the plugins will render: arguments of sources, provisioners and
/// post-processors, variable defaults, environment values and locals (their values reach
/// plugin arguments, including the installer files rendered by `templatefile()` into
/// `http_content`/`cd_content`).
pub fn escape_model(model: &mut Model) {
    escape_bodies(model);
    escape_values(model);
}

/// The part of [`escape_model`] that concerns sources, provisioners and post-processors, for
/// a model lowered in parts: each part's bodies are escaped once, and the values of the whole
/// model with [`escape_values`].
pub fn escape_bodies(model: &mut Model) {
    for source in &mut model.sources {
        escape_args(&mut source.body);
    }
    for build in &mut model.builds {
        for step in build
            .provisioners
            .iter_mut()
            .chain(build.post_processors.iter_mut())
        {
            escape_args(&mut step.body);
        }
    }
}

/// The rest of [`escape_model`]: variable defaults, environment values and locals.
pub fn escape_values(model: &mut Model) {
    for variable in &mut model.variables {
        escape_expr(&mut variable.default);
    }
    for file in &mut model.environments {
        for (_, value) in &mut file.values {
            escape_expr(value);
        }
    }
    for local in &mut model.locals {
        escape_expr(&mut local.value);
    }
}

fn escape_args(args: &mut Args) {
    for arg in &mut args.0 {
        match arg {
            Arg::Attr { value, .. } => escape_expr(value),
            Arg::Block { body, for_each, .. } => {
                escape_args(body);
                if let Some(collection) = for_each {
                    escape_expr(collection);
                }
            }
        }
    }
}

fn escape_expr(expr: &mut Expr) {
    match expr {
        Expr::String(text) => {
            if has_action(text) {
                *text = escape(text);
            }
        }
        Expr::Call(_, items) | Expr::List(items) => items.iter_mut().for_each(escape_expr),
        Expr::Object(entries) => {
            for (key, value) in entries {
                if has_action(key) {
                    *key = escape(key);
                }
                escape_expr(value);
            }
        }
        Expr::Index(a, b) | Expr::Binary(a, _, b) => {
            escape_expr(a);
            escape_expr(b);
        }
        Expr::Conditional(a, b, c) => [a, b, c].into_iter().for_each(|e| escape_expr(e)),
        // A template's text is the generator's own; its interpolated expressions are not.
        Expr::Template(parts) => parts
            .iter_mut()
            .for_each(|part| part.each_expression_mut(&mut escape_expr)),
        Expr::Null
        | Expr::Bool(_)
        | Expr::Number(_)
        | Expr::Decimal(_)
        | Expr::Traversal(_)
        | Expr::Var(_)
        | Expr::Local(_)
        | Expr::Heredoc { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EnvFile, Local};
    use crate::pointer::Pointer;

    #[test]
    fn escapes_every_open_and_nothing_else() {
        assert_eq!(escape("a {{ .Foo }} b"), "a {{\"{{\"}} .Foo }} b");
        assert_eq!(escape("{{{"), "{{\"{{\"}}{");
        assert_eq!(escape("a }} { b }"), "a }} { b }");
        assert!(!has_action("a } { b"));
    }

    #[test]
    fn plain_strings_are_escaped_wherever_they_stand_templates_are_not() {
        let mut model = Model::default();
        let mut args = Args::default();
        args.attr(
            "notes",
            Expr::String("x {{ y".into()),
            &Pointer::new(&["o"]),
        );
        args.attr(
            "boot_command",
            Expr::List(vec![Expr::Template(vec![crate::hcl::Part::text(
                "{{ .HTTPIP }}",
            )])]),
            &Pointer::new(&["o"]),
        );
        let mut nested = Args::default();
        nested.attr(
            "tags",
            Expr::Object(vec![("k{{".into(), Expr::String("v{{".into()))]),
            &Pointer::new(&["o"]),
        );
        args.block("inner", nested, &Pointer::new(&["o"]));
        model.locals.push(Local {
            name: "l".into(),
            value: Expr::call("f", vec![Expr::String("{{".into())]),
        });
        model.environments.push(EnvFile {
            name: "dev".into(),
            values: vec![("v".into(), Expr::String("{{".into()))],
        });
        let mut wrapper = crate::model::Step {
            component: crate::catalogue::Component::Shell,
            body: args,
            only: Vec::new(),
            origin: Pointer::new(&["o"]),
        };
        escape_args(&mut wrapper.body);
        escape_model(&mut model);
        let printed = format!("{:?} {:?}", wrapper.body, model);
        assert!(printed.contains(r#"x {{\"{{\"}} y"#), "{printed}");
        assert!(printed.contains(r#"k{{\"{{\"}}"#), "{printed}");
        assert!(printed.contains(r#"v{{\"{{\"}}"#), "{printed}");
        assert!(
            printed.contains(r#"Template([Text("{{ .HTTPIP }}")])"#),
            "{printed}"
        );
        assert_eq!(
            printed
                .matches(ESCAPED_OPEN.replace('"', "\\\"").as_str())
                .count(),
            5
        );
    }
}
