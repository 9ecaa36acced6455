//! Hard-case tags for eval: the plan asks for eval records that test
//! ambiguity, conflicting priorities, stress and follow-up turns. A follow-up
//! is structural (the input already holds an assistant turn); the other three
//! are read off the user's side of the record by lexicons of regexes, which
//! the config can replace.

use std::fmt;

use regex::RegexSet;
use serde::{Deserialize, Serialize};

/// The `[tags]` table: regexes per hard-case tag, as the config spells them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRules {
    pub ambiguity: Vec<String>,
    pub conflicting_priorities: Vec<String>,
    pub stress: Vec<String>,
}

/// A hard-case tag; the names are what `meta.tags` and the gates say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tag {
    Ambiguity,
    ConflictingPriorities,
    Stress,
    FollowUp,
}

impl Tag {
    pub const ALL: [Tag; 4] = [
        Tag::Ambiguity,
        Tag::ConflictingPriorities,
        Tag::Stress,
        Tag::FollowUp,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Tag::Ambiguity => "ambiguity",
            Tag::ConflictingPriorities => "conflicting_priorities",
            Tag::Stress => "stress",
            Tag::FollowUp => "follow_up",
        }
    }

    pub fn parse(s: &str) -> Option<Tag> {
        Tag::ALL.into_iter().find(|t| t.as_str() == s)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of tags in one byte, so a million records carry them cheaply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Tags(u8);

impl Tags {
    pub fn insert(&mut self, tag: Tag) {
        self.0 |= tag.bit();
    }

    pub fn contains(self, tag: Tag) -> bool {
        self.0 & tag.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Tag> {
        Tag::ALL.into_iter().filter(move |t| self.contains(*t))
    }

    pub fn union(self, other: Tags) -> Tags {
        Tags(self.0 | other.0)
    }
}

/// The compiled lexicons.
#[derive(Debug, Clone)]
pub struct Tagger {
    lexicons: Vec<(Tag, RegexSet)>,
}

impl Tagger {
    /// Fails with `tags.KEY: regex error`; `Config` runs this when it loads,
    /// so a bad lexicon is a config error before any work starts.
    pub fn new(rules: &TagRules) -> Result<Self, String> {
        let mut lexicons = Vec::new();
        for (tag, patterns) in [
            (Tag::Ambiguity, &rules.ambiguity),
            (Tag::ConflictingPriorities, &rules.conflicting_priorities),
            (Tag::Stress, &rules.stress),
        ] {
            let set = regex::RegexSetBuilder::new(patterns)
                .case_insensitive(true)
                .build()
                .map_err(|e| format!("tags.{tag}: {e}"))?;
            lexicons.push((tag, set));
        }
        Ok(Tagger { lexicons })
    }

    /// Tags one record from its user side: a chat or SFT `input`, or a
    /// preference `prompt`. Only the user's words are read, since an
    /// assistant's calm answer to a panicked question is still a stress case.
    pub fn tag(&self, user_side: &str) -> Tags {
        let mut tags = Tags::default();
        if is_follow_up(user_side) {
            tags.insert(Tag::FollowUp);
        }
        let user_text = UserText::of(user_side);
        for (tag, set) in &self.lexicons {
            if user_text.any(|t| set.is_match(t)) {
                tags.insert(*tag);
            }
        }
        tags
    }
}

/// A multi-turn input: some line starts an assistant turn before the user
/// turn being answered.
fn is_follow_up(input: &str) -> bool {
    let mut lines = input.lines().map(str::trim_start);
    let mut seen_user = false;
    for line in lines.by_ref() {
        if line.starts_with("User:") {
            seen_user = true;
        } else if line.starts_with("Assistant:") && seen_user {
            return true;
        }
    }
    false
}

/// The user's lines of a turn-formatted input, or the whole text otherwise.
struct UserText<'a> {
    text: &'a str,
}

impl<'a> UserText<'a> {
    fn of(text: &'a str) -> Self {
        UserText { text }
    }

    fn any(&self, mut f: impl FnMut(&str) -> bool) -> bool {
        if !self
            .text
            .lines()
            .any(|l| l.trim_start().starts_with("User:"))
        {
            return f(self.text);
        }
        let mut in_user = false;
        let mut turn = String::new();
        for line in self.text.lines() {
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix("User:") {
                if in_user && f(&turn) {
                    return true;
                }
                in_user = true;
                turn.clear();
                turn.push_str(rest);
            } else if t.starts_with("Assistant:") {
                if in_user && f(&turn) {
                    return true;
                }
                in_user = false;
            } else if in_user {
                turn.push('\n');
                turn.push_str(line);
            }
        }
        in_user && f(&turn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `[tags]` of the built-in config, read here so this stage's tests
    /// need nothing above it.
    fn default_rules() -> TagRules {
        let config: toml::Table =
            toml::from_str(include_str!("../../assets/revmine.toml")).unwrap();
        config["tags"].clone().try_into().unwrap()
    }

    fn tagger() -> Tagger {
        Tagger::new(&default_rules()).unwrap()
    }

    fn names(tags: Tags) -> Vec<&'static str> {
        tags.iter().map(Tag::as_str).collect()
    }

    #[test]
    fn the_plan_example_is_a_stressed_follow_up() {
        let input = "User: I missed yesterday's deadline.\nAssistant: Let's reset with essentials.\n\
                     User: I only have 2 hours now, what first?";
        assert_eq!(names(tagger().tag(input)), ["stress", "follow_up"]);
    }

    #[test]
    fn each_lexicon_fires_on_its_own_kind_of_request() {
        let t = tagger();
        assert_eq!(
            names(t.tag("User: Can you fix it? Not sure which one you need.")),
            ["ambiguity"]
        );
        assert_eq!(
            names(t.tag("Should I ship on Friday or keep polishing? Legal wants more review but sales promised the date.")),
            ["ambiguity", "conflicting_priorities"]
        );
        assert_eq!(
            names(t.tag("Production is down and I'm panicking, help!")),
            ["stress"]
        );
        assert!(t.tag("User: Summarise the meeting notes.").is_empty());
    }

    #[test]
    fn only_the_user_side_is_read() {
        let input = "User: Plan my week.\nAssistant: Don't panic, it's urgent but doable.\nUser: Thanks, go on.";
        assert_eq!(names(tagger().tag(input)), ["follow_up"]);
    }

    #[test]
    fn a_bad_lexicon_names_its_tag() {
        let mut rules = default_rules();
        rules.stress = vec!["(".into()];
        let e = Tagger::new(&rules).unwrap_err();
        assert!(e.contains("tags.stress"), "{e}");
    }
}
