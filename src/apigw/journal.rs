//! The attempt journal: which GenerateClientCertificate calls a provider
//! process has in flight, kept on disk in the working directory Terraform
//! runs it in, so that the next process can tell a certificate a killed
//! apply left behind from one a running apply is still generating.
//!
//! Each process that generates writes its own file, and holds an exclusive
//! lock on it for as long as it lives; the operating system releases the
//! lock when the process ends, however it ends (SIGKILL included). A file
//! another process can lock was therefore written by a process that is gone:
//! every attempt in it that never finished belongs to no running apply and
//! never reached any state. A file that is locked belongs to a live process,
//! whose attempts are left alone. The file only exists while something is
//! in flight; it is removed when the last attempt finishes.
//!
//! DeleteClientCertificate calls are journaled the same way, so that the
//! refresh after a killed apply can tell the apply's own deletion from one
//! made outside Terraform.
//!
//! Without a writable working directory the journal is off: generation
//! works as before, and only the series mark finds what an interrupted
//! rotation left.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Under Terraform's data directory of the working directory.
const DIR: &str = "apigw-attempts";
const EXT: &str = "journal";

/// One line of a journal file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Line {
    /// Written before GenerateClientCertificate is sent.
    Generate {
        token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        series: Option<String>,
    },
    /// The certificate the attempt created (its answer arrived, or it was
    /// found by its token).
    Made { token: String, id: String },
    /// The caller holds the certificate (or the attempt failed cleanly), or
    /// the deletion was answered.
    Done { token: String },
    /// Written before DeleteClientCertificate is sent.
    Delete { token: String, id: String },
}

/// An attempt a process that is gone left unfinished.
#[derive(Clone, Debug, PartialEq)]
pub struct Abandoned {
    pub token: String,
    pub series: Option<String>,
    /// Known when the answer had arrived before the process ended.
    pub id: Option<String>,
}

/// A journal file of a process that is gone.
#[derive(Clone, Debug)]
pub struct DeadFile {
    pub path: PathBuf,
    pub attempts: Vec<Abandoned>,
    /// Certificates whose deletion was sent and never answered.
    pub deletes: Vec<String>,
    /// Since its last write (wall-clock time on this machine).
    pub age: Duration,
}

struct Own {
    file: File,
    path: PathBuf,
    open: BTreeSet<String>,
}

pub struct Journal {
    dir: Option<PathBuf>,
    own: Mutex<Option<Own>>,
    /// What [`Journal::snapshot`] found of other processes' files.
    others: Mutex<Option<Others>>,
}

/// Other processes' journal files as one look at the directory found them.
#[derive(Clone, Default)]
struct Others {
    dead: Vec<DeadFile>,
    live: BTreeSet<String>,
}

/// This process's journal, in `$TF_DATA_DIR` (default `.terraform`) of the
/// working directory.
pub fn journal() -> &'static Journal {
    static J: OnceLock<Journal> = OnceLock::new();
    J.get_or_init(|| {
        let data = std::env::var_os("TF_DATA_DIR")
            .filter(|d| !d.is_empty())
            .map_or_else(|| PathBuf::from(".terraform"), PathBuf::from);
        let dir = std::env::current_dir()
            .ok()
            .map(|cwd| cwd.join(data).join(DIR));
        Journal::at(dir)
    })
}

impl Journal {
    pub fn at(dir: Option<PathBuf>) -> Journal {
        Journal {
            dir,
            own: Mutex::new(None),
            others: Mutex::new(None),
        }
    }

    /// Records that a generation with `token` is about to be sent. A journal
    /// that cannot be written is logged and skipped: it must not stop the
    /// apply.
    pub fn begin(&self, token: &str, series: Option<&str>) {
        self.open_entry(
            token,
            &Line::Generate {
                token: token.to_string(),
                series: series.map(str::to_string),
            },
        );
    }

    /// Records that certificate `id` is about to be deleted; the answer ends
    /// it with [`Journal::done`] on the token returned.
    pub fn begin_delete(&self, id: &str) -> String {
        // Unique per call: two deletions of one certificate in flight at
        // once each keep their own line.
        let token = format!("delete:{}", super::attempt_token());
        self.open_entry(
            &token,
            &Line::Delete {
                token: token.clone(),
                id: id.to_string(),
            },
        );
        token
    }

    fn open_entry(&self, token: &str, line: &Line) {
        let Ok(mut own) = self.own.lock() else {
            return;
        };
        if own.is_none() {
            *own = self.open_own();
        }
        if let Some(o) = own.as_mut() {
            o.open.insert(token.to_string());
            write_line(o, line);
        }
    }

    /// Records the certificate an attempt created.
    pub fn made(&self, token: &str, id: &str) {
        if let Ok(mut own) = self.own.lock()
            && let Some(o) = own.as_mut()
        {
            write_line(
                o,
                &Line::Made {
                    token: token.to_string(),
                    id: id.to_string(),
                },
            );
        }
    }

    /// The attempt is over; with nothing else in flight the file goes.
    pub fn done(&self, token: &str) {
        let Ok(mut own) = self.own.lock() else {
            return;
        };
        let Some(o) = own.as_mut() else {
            return;
        };
        o.open.remove(token);
        if o.open.is_empty() {
            // Removed while still locked, so no reader takes it for a dead
            // process's file in between.
            if let Err(e) = fs::remove_file(&o.path) {
                tracing::warn!(path = %o.path.display(), error = %e, "cannot remove the attempt journal");
            }
            *own = None;
        } else {
            write_line(
                o,
                &Line::Done {
                    token: token.to_string(),
                },
            );
        }
    }

    fn open_own(&self) -> Option<Own> {
        let dir = self.dir.as_ref()?;
        let open = || -> std::io::Result<Own> {
            fs::create_dir_all(dir)?;
            let name = format!("{}-{}", std::process::id(), super::attempt_token());
            // Locked under a name readers ignore, then renamed: a reader
            // never sees the file unlocked.
            let tmp = dir.join(format!(".{name}.tmp"));
            let file = OpenOptions::new()
                .create_new(true)
                .append(true)
                .open(&tmp)?;
            file.try_lock().map_err(std::io::Error::other)?;
            let path = dir.join(format!("{name}.{EXT}"));
            fs::rename(&tmp, &path)?;
            Ok(Own {
                file,
                path,
                open: BTreeSet::new(),
            })
        };
        match open() {
            Ok(o) => Some(o),
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot write the attempt journal; an interrupted apply's certificate will only be found by its series mark");
                None
            }
        }
    }

    /// The journal files of processes that are gone, with the attempts they
    /// left unfinished, and the tokens live processes (this one included)
    /// have in flight: other processes' files as this process first found
    /// them, its own attempts as they are now. What another
    /// process's file says changes only when that process ends, and the
    /// certificate listing it is matched against is also taken once per
    /// process, so every refresh of a plan need not read the directory
    /// again (a thousand refreshes read it a thousand times).
    pub fn snapshot(&self) -> (Vec<DeadFile>, BTreeSet<String>) {
        let (mut live, own_path) = self.own_tokens();
        let others = match self.others.lock() {
            Ok(mut cached) => cached
                .get_or_insert_with(|| self.scan_others(own_path.as_ref()))
                .clone(),
            Err(_) => self.scan_others(own_path.as_ref()),
        };
        live.extend(others.live);
        (others.dead, live)
    }

    /// The tokens this process has in flight, and its file.
    fn own_tokens(&self) -> (BTreeSet<String>, Option<PathBuf>) {
        let mut live = BTreeSet::new();
        let own_path = self.own.lock().ok().and_then(|o| {
            o.as_ref().map(|o| {
                live.extend(o.open.iter().cloned());
                o.path.clone()
            })
        });
        (live, own_path)
    }

    fn scan_others(&self, own_path: Option<&PathBuf>) -> Others {
        let mut dead = Vec::new();
        let mut live = BTreeSet::new();
        let Some(dir) = &self.dir else {
            return Others { dead, live };
        };
        let Ok(entries) = fs::read_dir(dir) else {
            return Others { dead, live };
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some(EXT) || Some(&path) == own_path {
                continue;
            }
            let Ok(file) = File::open(&path) else {
                continue;
            };
            let (attempts, deletes) = read_attempts(&path);
            match file.try_lock_shared() {
                Ok(()) => {
                    // Unknown counts as just written: kept longer, never lost.
                    let age = file
                        .metadata()
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .unwrap_or(Duration::ZERO);
                    dead.push(DeadFile {
                        path,
                        attempts,
                        deletes,
                        age,
                    });
                }
                Err(_) => live.extend(attempts.into_iter().map(|a| a.token)),
            }
        }
        Others { dead, live }
    }

    /// Removes a dead process's file once nothing in it needs tracking.
    pub fn forget(&self, path: &Path) {
        if let Ok(mut cached) = self.others.lock()
            && let Some(others) = cached.as_mut()
        {
            others.dead.retain(|f| f.path != path);
        }
        if let Err(e) = fs::remove_file(path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove an old attempt journal");
        }
    }
}

/// How long a dead process's attempt that created nothing visible is kept:
/// a request sent just before the process ended may still commit.
pub const SETTLE: Duration = Duration::from_secs(600);

/// How long a dead process's unanswered deletions are remembered: long
/// enough for the next plan of the interrupted configuration.
pub const DELETE_MEMORY: Duration = Duration::from_secs(7 * 86_400);

fn write_line(o: &mut Own, line: &Line) {
    let mut text = serde_json::to_string(line).unwrap_or_default();
    text.push('\n');
    // Each line is flushed before the call it announces is sent.
    if let Err(e) = o
        .file
        .write_all(text.as_bytes())
        .and_then(|()| o.file.sync_data())
    {
        tracing::warn!(path = %o.path.display(), error = %e, "cannot write the attempt journal");
    }
}

/// The unfinished attempts and unanswered deletions of one file (a torn last
/// line is skipped).
fn read_attempts(path: &Path) -> (Vec<Abandoned>, Vec<String>) {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut open: BTreeMap<String, Abandoned> = BTreeMap::new();
    let mut deletes: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        match serde_json::from_str::<Line>(line) {
            Ok(Line::Generate { token, series }) => {
                open.insert(
                    token.clone(),
                    Abandoned {
                        token,
                        series,
                        id: None,
                    },
                );
            }
            Ok(Line::Made { token, id }) => {
                if let Some(a) = open.get_mut(&token) {
                    a.id = Some(id);
                }
            }
            Ok(Line::Delete { token, id }) => {
                deletes.insert(token, id);
            }
            Ok(Line::Done { token }) => {
                open.remove(&token);
                deletes.remove(&token);
            }
            Err(_) => {}
        }
    }
    (
        open.into_values().collect(),
        deletes.into_values().collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a process that starts now finds.
    fn look(dir: &Path) -> (Vec<DeadFile>, BTreeSet<String>) {
        Journal::at(Some(dir.to_path_buf())).snapshot()
    }

    fn tempdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "apigw-journal-{name}-{}-{}",
            std::process::id(),
            super::super::attempt_token()
        ));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_live_journal_is_left_alone_and_a_dead_one_lists_its_unfinished_attempts() {
        let dir = tempdir("live");
        let mine = Journal::at(Some(dir.clone()));
        mine.begin("t1", None);
        mine.begin("t2", Some("s"));
        mine.made("t2", "c2");
        // Another process's view: this process holds the lock.
        let (dead, live) = look(&dir);
        assert!(dead.is_empty(), "{dead:?}");
        assert_eq!(live, ["t1", "t2"].map(String::from).into());

        // What a killed process leaves: the same lines, nobody holding the lock.
        let left = dir.join(format!("gone.{EXT}"));
        fs::write(
            &left,
            "{\"op\":\"generate\",\"token\":\"a\"}\n\
             {\"op\":\"generate\",\"token\":\"b\",\"series\":\"s1\"}\n\
             {\"op\":\"made\",\"token\":\"b\",\"id\":\"cb\"}\n\
             {\"op\":\"generate\",\"token\":\"c\"}\n\
             {\"op\":\"done\",\"token\":\"c\"}\n\
             {\"op\":\"gener",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (dead, _) = look(&dir);
        assert_eq!(dead.len(), 1);
        assert_eq!(
            dead[0].attempts,
            vec![
                Abandoned {
                    token: "a".into(),
                    series: None,
                    id: None
                },
                Abandoned {
                    token: "b".into(),
                    series: Some("s1".into()),
                    id: Some("cb".into())
                },
            ]
        );

        // Finishing every attempt removes the file.
        mine.done("t1");
        mine.done("t2");
        let (dead, live) = look(&dir);
        assert!(live.is_empty());
        assert_eq!(dead.len(), 1, "only the dead file is left");
        Journal::at(Some(dir.clone())).forget(&left);
        assert_eq!(fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0), 0);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_dead_journal_lists_the_deletions_it_sent_without_an_answer() {
        let dir = tempdir("delete");
        let mine = Journal::at(Some(dir.clone()));
        let answered = mine.begin_delete("c1");
        let unanswered = mine.begin_delete("c2");
        mine.done(&answered);
        let (dead, _) = look(&dir);
        assert!(dead.is_empty(), "a live process's deletions are its own");

        // The same lines with nobody holding the lock: a killed process.
        let lines = fs::read_to_string(&mine.own.lock().unwrap().as_ref().unwrap().path)
            .unwrap_or_else(|e| panic!("{e}"));
        let left = dir.join(format!("gone.{EXT}"));
        fs::write(&left, lines).unwrap_or_else(|e| panic!("{e}"));
        let (dead, _) = look(&dir);
        assert_eq!(dead.len(), 1);
        assert!(dead[0].attempts.is_empty());
        assert_eq!(dead[0].deletes, vec!["c2".to_string()]);

        mine.done(&unanswered);
        Journal::at(Some(dir.clone())).forget(&left);
        assert_eq!(fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0), 0);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_snapshot_keeps_other_processes_files_as_first_found_and_its_own_attempts_current() {
        let dir = tempdir("snapshot");
        let before = dir.join(format!("before.{EXT}"));
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        fs::write(&before, "{\"op\":\"generate\",\"token\":\"a\"}\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let j = Journal::at(Some(dir.clone()));
        let (dead, live) = j.snapshot();
        assert_eq!(dead.len(), 1);
        assert!(live.is_empty(), "{live:?}");

        // A file that appears later is for the next process to find.
        let after = dir.join(format!("after.{EXT}"));
        fs::write(&after, "{\"op\":\"generate\",\"token\":\"b\"}\n")
            .unwrap_or_else(|e| panic!("{e}"));
        j.begin("mine", None);
        let (dead, live) = j.snapshot();
        assert_eq!(dead.iter().map(|f| &f.path).collect::<Vec<_>>(), [&before]);
        assert_eq!(
            live,
            ["mine".to_string()].into(),
            "its own attempts are current"
        );
        assert_eq!(look(&dir).0.len(), 2, "the next process finds it");

        // A file it removed is gone from the snapshot too.
        j.forget(&before);
        j.done("mine");
        let (dead, live) = j.snapshot();
        assert!(dead.is_empty() && live.is_empty(), "{dead:?} {live:?}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn without_a_directory_the_journal_is_off() {
        let j = Journal::at(None);
        j.begin("t", None);
        j.done("t");
        let (dead, live) = j.snapshot();
        assert!(dead.is_empty() && live.is_empty());
    }
}
