//! The status line's message: a level and a note. Locale keys are looked up
//! when drawn; service text and arguments are sanitized when drawn.

use super::action::{Failure, FailureText};
use super::config_error::ConfigError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    Local {
        key: &'static str,
        args: Vec<(&'static str, String)>,
    },
    Service(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub level: Level,
    pub note: Note,
}

impl Status {
    pub fn local(level: Level, key: &'static str) -> Status {
        Status {
            level,
            note: Note::Local { key, args: vec![] },
        }
    }

    pub fn failure(failure: &Failure) -> Status {
        let note = match &failure.message {
            FailureText::Service(text) => Note::Service(text.clone()),
            FailureText::Local(key) => Note::Local { key, args: vec![] },
            FailureText::Search(refusal) => super::search_refusal::refusal_note(refusal),
        };
        Status {
            level: Level::Error,
            note,
        }
    }

    pub fn config(key: &'static str, error: &ConfigError) -> Status {
        let mut args = vec![("file", error.file.clone()), ("msg", error.message.clone())];
        let key = match error.line {
            Some(line) => {
                args.push(("line", line.to_string()));
                key
            }
            None => "error.file",
        };
        Status {
            level: Level::Warning,
            note: Note::Local { key, args },
        }
    }
}
