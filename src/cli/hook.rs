//! `revmine hook`: install, remove or inspect the pre-commit hook.

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
    /// Install the hook (an existing foreign hook is kept and chained).
    #[command(
        after_help = "Examples:\n  revmine hook install                   # the repository around the working directory\n  \
        revmine hook install --repo ~/datasets\n  revmine hook install --force           # rewrite it even when up to date\n\n\
        Then every `git commit` runs `revmine check --staged` on the staged dataset files and is blocked\n\
        when a gate fails (`git commit --no-verify` skips it once)."
    )]
    Install {
        /// Rewrite revmine's hook even when it is up to date.
        #[arg(long)]
        force: bool,
    },
    /// Remove revmine's hook and restore the one it chained, if any.
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
    let (outcome, status) = match action {
        HookAction::Install { force } => hook::install(repo, *force)?,
        HookAction::Uninstall => hook::uninstall(repo)?,
        HookAction::Status => (Outcome::AlreadyInstalled, hook::status(repo)?),
    };
    let hook_path = status.hooks_dir.join("pre-commit");
    let said = match (action, outcome) {
        (HookAction::Status, _) => match status.installed {
            Installed::Revmine => format!(
                "revmine's pre-commit hook is installed at {}",
                hook_path.display()
            ),
            Installed::RevmineOutdated => {
                format!(
                    "an older revmine hook is at {} (`revmine hook install` updates it)",
                    hook_path.display()
                )
            }
            Installed::Other => format!("{} is not revmine's hook", hook_path.display()),
            Installed::None => format!("no pre-commit hook in {}", status.hooks_dir.display()),
        },
        (_, Outcome::Installed) => format!("installed {}", hook_path.display()),
        (_, Outcome::InstalledChained) => format!(
            "installed {}; the hook that was there is kept as pre-commit.legacy and runs first",
            hook_path.display()
        ),
        (_, Outcome::Updated) => format!("updated {}", hook_path.display()),
        (_, Outcome::AlreadyInstalled) => format!(
            "already installed at {} (nothing changed)",
            hook_path.display()
        ),
        (_, Outcome::Removed) => format!("removed {}", hook_path.display()),
        (_, Outcome::RemovedRestored) => {
            format!(
                "removed revmine's hook and restored the previous one at {}",
                hook_path.display()
            )
        }
        (_, Outcome::NotInstalled) => format!(
            "no revmine hook in {} (nothing changed)",
            status.hooks_dir.display()
        ),
        (_, Outcome::ForeignLeftAlone) => {
            format!("{} is not revmine's hook; left alone", hook_path.display())
        }
    };
    writeln!(out, "{said}")?;
    if status.chained
        && matches!(
            status.installed,
            Installed::Revmine | Installed::RevmineOutdated
        )
    {
        writeln!(
            out,
            "chained: {} runs first",
            status.hooks_dir.join("pre-commit.legacy").display()
        )?;
    }
    Ok(Exit::Ok)
}
