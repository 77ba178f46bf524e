//! Errors in user files (keymaps, themes): they name the file and the line
//! and never stop the terminal; the defaults are used instead.

/// A problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// 1-based; `None` when the file could not be read at all.
    pub line: Option<usize>,
    pub message: String,
}

impl ConfigError {
    pub fn at(file: &str, source: &str, offset: Option<usize>, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_string(),
            line: offset.map(|o| line_of(source, o)),
            message: message.into(),
        }
    }

    pub fn from_toml(file: &str, source: &str, error: &toml::de::Error) -> Self {
        ConfigError::at(
            file,
            source,
            error.span().map(|s| s.start),
            error.message().trim().to_string(),
        )
    }

    pub fn unreadable(file: &str, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_string(),
            line: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// 1-based line number of byte `offset` in `source`.
pub fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}
