//! The daemon lock: an OS file lock beside the store. Held for the daemon's lifetime and
//! released by the kernel when the process dies (even by `kill -9`), so a new daemon can tell
//! at once whether another is alive — no waiting for a heartbeat to go stale.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub struct DaemonLock {
    _file: File,
    pub path: PathBuf,
}

/// `contenthub.db` → `contenthub.db.lock`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the lock, or says which process holds it.
pub fn acquire(db: &Path) -> Result<DaemonLock> {
    let path = lock_path(db);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
    match file.try_lock() {
        Ok(()) => {
            file.set_len(0).ok();
            file.seek(SeekFrom::Start(0)).ok();
            let _ = writeln!(file, "{}", std::process::id());
            Ok(DaemonLock { _file: file, path })
        }
        Err(TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            Err(Error::Refused(format!(
                "another daemon (pid {}) is running on this store ({}); stop it first, or pass --allow-multiple",
                pid.trim(),
                path.display()
            )))
        }
        Err(TryLockError::Error(e)) => Err(Error::io(format!("cannot lock {}", path.display()), e)),
    }
}

/// Whether some process holds the lock now (for `daemon status`).
pub fn is_held(db: &Path) -> bool {
    // Reading is enough to test a lock, so a check running as a user who may only read the
    // store still sees the daemon.
    let Ok(file) = OpenOptions::new().read(true).open(lock_path(db)) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(_) => true,
    }
}
