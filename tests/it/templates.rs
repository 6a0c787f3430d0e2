//! Installer templates reference only what hybridc passes them: `hybridc validate` on a copy of
//! the example with an OS's own template (`builds/<os>/`, or one named in `templates:`).
//!
//! Packer renders a template with `templatefile(path, vars)`, and hashicorp/packer
//! `hcl2template/function/templatefile.go` (`MakeTemplateFileFunc`, its `renderTmpl`) checks
//! every root of `expr.Variables()` against `vars` before rendering: a name that is not a key
//! fails the call with "vars map does not contain key ...", and with it the build as it
//! starts. Names bound by `%{ for }` are not among those roots (HCL's `hclsyntax` walks a
//! `for` with its own child scope), and an attribute `vars` does not hold (`inputs.x` without
//! that input) fails when the expression is evaluated.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{hybridc, text};

/// A copy of the example repository.
fn example(name: &str) -> PathBuf {
    crate::support::example_copy(
        &format!("templates-{name}"),
        &["spec", "installers", "scripts", "ansible"],
    )
}

/// Writes `builds/rocky-9/ks.pkrtpl.hcl`: the shared kickstart with `lines` before it.
fn own_kickstart(dir: &Path, lines: &str) {
    let shared = fs::read_to_string(dir.join("installers/kickstart/ks.pkrtpl.hcl"))
        .expect("the shared kickstart");
    fs::create_dir_all(dir.join("builds/rocky-9")).expect("builds/rocky-9");
    fs::write(
        dir.join("builds/rocky-9/ks.pkrtpl.hcl"),
        format!("{lines}{shared}"),
    )
    .expect("write the template");
}

/// `hybridc validate spec/` in `dir`: its exit code and standard error.
fn validate(dir: &Path) -> (Option<i32>, String) {
    let out = hybridc(dir, &["validate", "spec/"]);
    (out.status.code(), text(&out.stderr))
}

/// The line of `spec/hybrid.yaml` that holds `needle`, from 1.
fn spec_line(dir: &Path, needle: &str) -> usize {
    let spec = fs::read_to_string(dir.join("spec/hybrid.yaml")).expect("the spec");
    spec.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle} in the spec"))
}

#[test]
fn the_example_templates_pass() {
    let dir = example("clean");
    let (code, stderr) = validate(&dir);
    assert_eq!(code, Some(0), "{stderr}");
}

/// A template written for another tree reads that tree's variables: an error at the OS, with
/// the line in the template, and nothing else about names the template binds itself.
#[test]
fn an_own_template_with_a_name_hybridc_does_not_pass_fails_at_the_os() {
    let dir = example("unknown");
    own_kickstart(
        &dir,
        "lang ${vm_guest_os_language}\n%{ for v in machine.volumes ~}\n# ${v.name} ${v.size_mb}\n%{ endfor ~}\n${[for p in machine.partitions : p.kind][0]}\n",
    );
    let (code, stderr) = validate(&dir);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("template `builds/rocky-9/ks.pkrtpl.hcl` uses `vm_guest_os_language` (line 1), which hybridc does not pass to installer templates"),
        "{stderr}"
    );
    let line = spec_line(&dir, "  rocky-9:");
    assert!(
        stderr.contains(&format!("spec/hybrid.yaml:{line}:3")),
        "{stderr}"
    );
    assert!(stderr.contains("`inputs.<name>`"), "{stderr}");
    // `v` and `p` are bound by the loops.
    assert!(!stderr.contains("uses `v`"), "{stderr}");
    assert!(!stderr.contains("uses `p`"), "{stderr}");
    assert!(stderr.contains("error: 1 error"), "{stderr}");
    assert!(!dir.join("generated").exists());
}

/// A name close to a passed one is proposed; a template named in `templates:` is reported at
/// that entry.
#[test]
fn a_template_named_in_templates_is_reported_at_its_entry() {
    let dir = example("named");
    fs::create_dir_all(dir.join("custom")).expect("custom");
    fs::write(dir.join("custom/ks.pkrtpl.hcl"), "host ${hostnme}\n").expect("write");
    let spec_path = dir.join("spec/hybrid.yaml");
    let spec = fs::read_to_string(&spec_path).expect("the spec");
    let spec = spec.replacen(
        "  rocky-9:\n",
        "  rocky-9:\n    templates: { ks.pkrtpl.hcl: custom/ks.pkrtpl.hcl }\n",
        1,
    );
    fs::write(&spec_path, spec).expect("write the spec");
    let (code, stderr) = validate(&dir);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("template `custom/ks.pkrtpl.hcl` uses `hostnme` (line 1)"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `hostname`?"), "{stderr}");
    let line = spec_line(&dir, "templates: { ks.pkrtpl.hcl");
    assert!(
        stderr.contains(&format!("spec/hybrid.yaml:{line}:")),
        "{stderr}"
    );
}

/// `inputs.<name>` needs that input under the OS's `installer_inputs`; `lookup` does not.
#[test]
fn an_input_the_os_does_not_have_fails() {
    let dir = example("inputs");
    own_kickstart(
        &dir,
        "# ${inputs.rhsm_username} ${lookup(inputs, \"optional\", \"\")}\n",
    );
    let (code, stderr) = validate(&dir);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("reads `inputs.rhsm_username` (line 1), but OS `rocky-9` has no installer input `rhsm_username`"),
        "{stderr}"
    );
    assert!(!stderr.contains("`optional`"), "{stderr}");

    let spec_path = dir.join("spec/hybrid.yaml");
    let spec = fs::read_to_string(&spec_path).expect("the spec");
    let spec = spec.replacen(
        "  rocky-9:\n",
        "  rocky-9:\n    installer_inputs: { rhsm_username: jdoe }\n",
        1,
    );
    fs::write(&spec_path, spec).expect("write the spec");
    let (code, stderr) = validate(&dir);
    assert_eq!(code, Some(0), "{stderr}");
}

/// A template that does not parse is an error with the parser's position.
#[test]
fn a_template_with_a_syntax_error_fails() {
    let dir = example("syntax");
    own_kickstart(&dir, "# fine\n%{ if platform == \"proxmox\" }\n");
    let (code, stderr) = validate(&dir);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("template `builds/rocky-9/ks.pkrtpl.hcl` is not a valid HCL template:"),
        "{stderr}"
    );
    assert!(stderr.contains("(line "), "{stderr}");
}

/// The README's paragraph on what templates get names every declared template variable.
#[test]
fn the_readme_names_every_template_variable() {
    use hybridc::installer::SeedInputs;
    let readme = fs::read_to_string(crate::support::repo().join("README.md")).expect("README");
    let start = readme
        .find("A template reads only what hybridc passes it")
        .expect("the paragraph on template variables");
    let paragraph = &readme[start
        ..readme[start..]
            .find("\n\n")
            .map_or(readme.len(), |e| start + e)];
    for seed in [SeedInputs::PerOs, SeedInputs::PerEdition] {
        for name in seed.template_var_names() {
            assert!(paragraph.contains(&format!("`{name}`")), "{name}");
        }
    }
}
