//! What an OS family decides for every source: the communicator, the locale's form, and the
//! Linux distribution facts the generated steps depend on.

use super::{Lowerer, s};
use crate::hcl::Expr;
use crate::model::Args;
use crate::spec::{Family, Installer, Os};

impl Lowerer<'_> {
    pub(super) fn communicator(&mut self, body: &mut Args, os: &Os, origin: &str) {
        match os.family {
            Family::Linux => {
                body.attr("communicator", s("ssh"), origin);
                let user = self.var("build_username");
                body.attr("ssh_username", user, origin);
                let password = self.var("build_password");
                body.attr("ssh_password", password, origin);
                body.attr("ssh_timeout", s("30m"), origin);
            }
            Family::Windows => {
                body.attr("communicator", s("winrm"), origin);
                let user = self.var("build_username");
                body.attr("winrm_username", user, origin);
                let password = self.var("build_password");
                body.attr("winrm_password", password, origin);
                body.attr("winrm_timeout", s("2h"), origin);
                body.attr("winrm_use_ssl", Expr::Bool(false), origin);
                body.attr("winrm_insecure", Expr::Bool(true), origin);
            }
        }
    }

    /// Language, keyboard and time zone after layering, in the form the family expects.
    pub(super) fn locale(&self, os: &Os) -> (String, String, String) {
        let d = &self.spec.defaults.locale;
        let language = os
            .locale
            .language
            .clone()
            .or(d.language.clone())
            .unwrap_or_else(|| "en_US".into());
        let keyboard = os
            .locale
            .keyboard
            .clone()
            .or(d.keyboard.clone())
            .unwrap_or_else(|| "us".into());
        let timezone = os
            .locale
            .timezone
            .clone()
            .or(d.timezone.clone())
            .unwrap_or_else(|| "UTC".into());
        match os.family {
            Family::Linux => (language, keyboard, timezone),
            // Windows Setup's own identifiers; `semantic` has checked that both map.
            Family::Windows => (
                language.replace('_', "-"),
                crate::windows_locale::windows_input_locale(&keyboard).unwrap_or(keyboard),
                crate::windows_locale::windows_time_zone(&timezone).map_or(timezone, str::to_owned),
            ),
        }
    }
}

/// The Linux distribution families whose layout the generated steps depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Distribution {
    /// Debian and Ubuntu.
    Debian,
    /// Red Hat Enterprise Linux and its rebuilds (Rocky, Alma).
    RedHat,
}

impl Distribution {
    /// The SFTP server binary: Debian's `openssh-sftp-server` package and RHEL's
    /// `openssh-server` package install it at these paths.
    pub(super) fn sftp_server(self) -> &'static str {
        match self {
            Self::Debian => "/usr/lib/openssh/sftp-server",
            Self::RedHat => "/usr/libexec/openssh/sftp-server",
        }
    }
}

/// The distribution family of a Linux OS: from its installer, else from its Azure image's
/// publisher; `None` when neither tells.
pub(super) fn linux_distribution(os: &Os) -> Option<Distribution> {
    match os.installer {
        Some(Installer::Autoinstall | Installer::Preseed) => return Some(Distribution::Debian),
        Some(Installer::Kickstart) => return Some(Distribution::RedHat),
        Some(Installer::Autounattend) | None => {}
    }
    let publisher = os.azure_image.as_ref()?.publisher.to_ascii_lowercase();
    match publisher.as_str() {
        "canonical" | "debian" => Some(Distribution::Debian),
        "redhat" | "resf" | "almalinux" | "openlogic" => Some(Distribution::RedHat),
        _ => None,
    }
}
