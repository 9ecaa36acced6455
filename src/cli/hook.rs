//! `revmine hook`: install, remove or inspect the pre-commit and pre-merge-commit hooks.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cli::common::*;

#[derive(Debug, Args)]
pub(crate) struct Flags {
    #[command(subcommand)]
    pub(crate) action: HookAction,
    /// The repository (default: the one around the working directory).
    #[arg(long, global = true, value_name = "PATH", default_value = ".")]
    pub(crate) repo: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum HookAction {
    /// Install the pre-commit and pre-merge-commit hooks (an existing foreign hook is kept and chained).
    #[command(
        after_help = "Examples:\n  revmine hook install                   # the repository around the working directory\n  \
        revmine hook install --repo ~/datasets\n  revmine hook install --force           # rewrite it even when up to date\n\n\
        Then every `git commit`, and every merge git commits by itself, runs `revmine check --staged` on\n\
        the staged dataset files and is blocked when a gate fails (`git commit --no-verify` skips it once).\n\
        The hooks record this binary's path, so a GUI client with a minimal PATH finds it. A hook that\n\
        husky, lefthook or the pre-commit framework wrote is left as it is: revmine says what to add to\n\
        that manager's config instead (exit 1, nothing written)."
    )]
    Install {
        /// Rewrite revmine's hook even when it is up to date.
        #[arg(long)]
        force: bool,
    },
    /// Remove revmine's hooks and restore the ones they chained, if any.
    #[command(
        after_help = "Examples:\n  revmine hook uninstall\n  revmine hook uninstall --repo ~/datasets"
    )]
    Uninstall,
    /// Say what is installed and where.
    #[command(
        after_help = "Examples:\n  revmine hook status\n  revmine hook status --repo ~/datasets"
    )]
    Status,
}

pub(crate) fn command(
    flags: &Flags,
    _config: &Option<PathBuf>,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let (action, repo) = (&flags.action, flags.repo.as_path());
    use revmine::hook::{self, Installed, Outcome};
    let (outcomes, status) = match action {
        HookAction::Install { force } => hook::install(repo, *force)?,
        HookAction::Uninstall => hook::uninstall(repo)?,
        HookAction::Status => {
            let status = hook::status(repo)?;
            (Vec::new(), status)
        }
    };
    let mut left_alone = false;
    for (i, h) in status.hooks.iter().enumerate() {
        let path = h.path.display();
        let name = h.name;
        let said = match outcomes.get(i) {
            None => match h.installed {
                Installed::Revmine => format!("revmine's {name} hook is installed at {path}"),
                Installed::RevmineOutdated => format!(
                    "an older revmine {name} hook is at {path} (`revmine hook install` updates it)"
                ),
                Installed::Other(_) => format!("{path} is not revmine's hook"),
                Installed::None => {
                    format!("no {name} hook in {}", status.hooks_dir.display())
                }
            },
            Some(Outcome::Installed) => format!("installed {path}"),
            Some(Outcome::InstalledChained) => format!(
                "installed {path}; the hook that was there is kept as {}/{name} and runs first",
                hook::CHAINED_DIR
            ),
            Some(Outcome::Updated) => format!("updated {path}"),
            Some(Outcome::AlreadyInstalled) => {
                format!("already installed at {path} (nothing changed)")
            }
            Some(Outcome::LeftAlone(foreign)) => {
                left_alone = true;
                match foreign {
                    hook::Foreign::Manager(m) => {
                        format!("{path} is {}'s hook; left as it is", m.name())
                    }
                    _ => format!(
                        "{path} is not revmine's and finds files beside itself, so moving it would break it; left as it is (add `revmine check --staged || exit 1` to it yourself)"
                    ),
                }
            }
            Some(Outcome::NotInstalled) => {
                left_alone = true;
                format!("{name}: not installed either")
            }
            Some(Outcome::Removed) => format!("removed {path}"),
            Some(Outcome::RemovedRestored) => {
                format!("removed revmine's hook and restored the previous one at {path}")
            }
            Some(Outcome::Absent) => format!(
                "no revmine {name} hook in {} (nothing changed)",
                status.hooks_dir.display()
            ),
            Some(Outcome::ForeignLeftAlone) => {
                format!("{path} is not revmine's hook; left alone")
            }
        };
        writeln!(out, "{said}")?;
        if matches!(h.installed, Installed::Revmine | Installed::RevmineOutdated) {
            if let Some(chained) = &h.chained {
                writeln!(out, "  chained: {} runs first", chained.display())?;
            }
            if matches!(action, HookAction::Status) {
                match &h.revmine {
                    Some(bin) if bin.is_file() => writeln!(out, "  runs {}", bin.display())?,
                    Some(bin) => writeln!(
                        out,
                        "  runs the revmine on PATH: {} (recorded at install) is gone; `revmine hook install` records this one",
                        bin.display()
                    )?,
                    None => writeln!(out, "  runs the revmine on PATH")?,
                }
            }
        }
    }
    if left_alone {
        writeln!(
            out,
            "nothing was installed: revmine never moves a hook it would break"
        )?;
    }
    if !matches!(action, HookAction::Uninstall) {
        for m in &status.managers {
            writeln!(
                out,
                "this repository uses {}: to run revmine through it, {}",
                m.name(),
                hook::advice(*m)
            )?;
        }
    }
    Ok(if left_alone { Exit::Failed } else { Exit::Ok })
}
