//! The four states a decision can be in, and where its setting takes effect.

use serde::{Deserialize, Serialize};

/// Only `Enforce` is enforced; the other three hold the setting back until a
/// reviewer's verdict says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Nothing observed would break: apply the setting.
    Enforce,
    /// In use: hold the setting back, with the evidence.
    Exception,
    /// Seen too rarely to trust (it may be an attacker, not a need): a human decides.
    Review,
    /// Not watched long enough, or the source was off or losing events.
    Insufficient,
}

impl State {
    pub const ALL: [State; 4] = [State::Enforce, State::Exception, State::Review, State::Insufficient];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Enforce => "enforce",
            State::Exception => "exception",
            State::Review => "review",
            State::Insufficient => "insufficient",
        }
    }
}

/// Where the decision's setting takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// On the host itself: rendered into its artifacts.
    Host,
    /// On the domain controllers: a recommendation for them, with this host's evidence.
    DomainControllers,
}
