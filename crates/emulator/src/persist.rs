//! The state file: the whole store as JSON, replaced atomically after every change.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{Inventory, Store};

const FORMAT: &str = "apigw-emulator-state";
const VERSION: u32 = 2;
/// Version 1 held a single inventory; it is read as the default region's.
const VERSION_SINGLE_REGION: u32 = 1;

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error("cannot read state file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "state file {path} is corrupt ({reason}); the emulator will not start over it. \
         Repair it, or move it away to start with an empty state"
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error("cannot write state file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Deserialize)]
struct FileFormat {
    format: String,
    version: u32,
    store: serde_json::Value,
}

#[derive(Serialize)]
struct FileFormatRef<'a> {
    format: &'static str,
    version: u32,
    store: &'a Store,
}

/// Loads the store; a missing file is an empty store, anything unreadable an error.
pub fn load(path: &Path) -> Result<Store, StateFileError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Store::default()),
        Err(source) => {
            return Err(StateFileError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let corrupt = |reason: String| StateFileError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let file: FileFormat = serde_json::from_slice(&bytes)
        .map_err(|e| corrupt(format!("not emulator state JSON: {e}")))?;
    if file.format != FORMAT {
        return Err(corrupt(format!(
            "format is {:?}, expected {FORMAT:?}",
            file.format
        )));
    }
    let store = match file.version {
        VERSION => serde_json::from_value::<Store>(file.store)
            .map_err(|e| corrupt(format!("not emulator state JSON: {e}")))?,
        VERSION_SINGLE_REGION => {
            let inventory = serde_json::from_value::<Inventory>(file.store)
                .map_err(|e| corrupt(format!("not emulator state JSON: {e}")))?;
            let mut store = Store::default();
            if !inventory.is_empty() {
                store
                    .regions
                    .insert(crate::DEFAULT_REGION.to_owned(), inventory);
            }
            store
        }
        other => {
            return Err(corrupt(format!(
                "version {other} is not supported (this emulator reads versions \
                 {VERSION_SINGLE_REGION} and {VERSION})"
            )));
        }
    };
    let mut store = store;
    for api in store
        .regions
        .values_mut()
        .flat_map(|inv| inv.rest_apis.values_mut())
    {
        api.ensure_root();
    }
    for (region, inventory) in &store.regions {
        for (id, cert) in &inventory.certificates {
            if *id != cert.id {
                return Err(corrupt(format!(
                    "certificate stored under {id:?} in {region} has id {:?}",
                    cert.id
                )));
            }
        }
    }
    Ok(store)
}

/// Writes the store to a temporary file beside `path` and renames it over `path`, so
/// a reader (or a crash) sees either the old or the new state, never half of one.
pub fn save(path: &Path, store: &Store) -> Result<(), StateFileError> {
    let werr = |source| StateFileError::Write {
        path: path.to_owned(),
        source,
    };
    let data = serde_json::to_vec_pretty(&FileFormatRef {
        format: FORMAT,
        version: VERSION,
        store,
    })
    .map_err(|e| werr(std::io::Error::other(e)))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The file holds private keys.
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(&data)?;
        f.write_all(b"\n")?;
        f.sync_data()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(werr)
}
