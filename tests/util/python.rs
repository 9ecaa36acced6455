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

/// Python with the Hugging Face `datasets` library, installed from PyPI into a
/// virtual environment kept under the target dir, so only the first run pays
/// for the install. Fails the test, never skips it, when it cannot be built.
pub fn datasets_python() -> std::path::PathBuf {
    let python = venv("datasets-venv", "datasets==5.2.0").join("bin/python");
    let imports = std::process::Command::new(&python)
        .args(["-c", "import datasets"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(imports, "datasets is installed but does not import");
    python
}
