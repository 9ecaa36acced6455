//! Python tools installed from PyPI for the tests that drive them.

/// A Python virtual environment under the target dir with `package` (pinned,
/// from PyPI) installed; only the first run pays for the install. Returns the
/// venv's directory.
pub fn venv(name: &str, package: &str) -> std::path::PathBuf {
    use std::process::Command;
    let venv = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let stamp = venv.join(".installed");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == package) {
        return venv;
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 -m venv");
    assert!(made.success(), "cannot create a virtual environment");
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", package])
        .status()
        .expect("pip");
    assert!(pip.success(), "cannot install {package} from PyPI");
    std::fs::write(&stamp, package).expect("stamp");
    venv
}
