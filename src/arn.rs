//! Step Functions ARNs: building them for new resources and parsing the ones clients send.

use std::fmt;

/// The kinds of resource a Step Functions ARN can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    StateMachine,
    Activity,
    Execution,
    ExpressExecution,
    /// `mapRun:<machine>/<label>:<id>`: a Distributed Map's map run.
    MapRun,
}

impl ResourceKind {
    fn as_str(self) -> &'static str {
        match self {
            ResourceKind::StateMachine => "stateMachine",
            ResourceKind::Activity => "activity",
            ResourceKind::Execution => "execution",
            ResourceKind::ExpressExecution => "express",
            ResourceKind::MapRun => "mapRun",
        }
    }
}

/// A parsed `arn:<partition>:states:<region>:<account>:<kind>:<name>[:<more>...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub region: &'a str,
    pub account: &'a str,
    pub kind: ResourceKind,
    /// The resource part after the kind, split on `:` (e.g. `[machine, execution]`).
    pub parts: Vec<&'a str>,
}

/// Why a string is not an acceptable ARN; displayed as the `InvalidArn` message detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArnError {
    Prefix(String),
    ResourceType(String),
    Malformed(String),
}

impl fmt::Display for ArnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArnError::Prefix(arn) => write!(f, "Invalid Arn: 'Invalid ARN prefix: {arn}'"),
            ArnError::ResourceType(kind) => {
                write!(f, "Invalid Arn: 'Resource type not valid in this context: {kind}'")
            }
            ArnError::Malformed(arn) => write!(f, "Invalid Arn: 'Invalid ARN: {arn}'"),
        }
    }
}

impl<'a> Arn<'a> {
    /// Parses `text` and checks that it names one of `expected`.
    pub fn parse(text: &'a str, expected: &[ResourceKind]) -> Result<Arn<'a>, ArnError> {
        let mut fields = text.splitn(7, ':');
        let (Some("arn"), Some(partition), Some(service)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(ArnError::Prefix(text.to_string()));
        };
        if !partition.starts_with("aws") || service != "states" {
            return Err(ArnError::Prefix(text.to_string()));
        }
        let (Some(region), Some(account), Some(kind), Some(rest)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(ArnError::Malformed(text.to_string()));
        };
        let kind = [
            ResourceKind::StateMachine,
            ResourceKind::Activity,
            ResourceKind::Execution,
            ResourceKind::ExpressExecution,
            ResourceKind::MapRun,
        ]
        .into_iter()
        .find(|k| k.as_str() == kind)
        .ok_or_else(|| ArnError::ResourceType(kind.to_string()))?;
        if !expected.contains(&kind) {
            return Err(ArnError::ResourceType(kind.as_str().to_string()));
        }
        let parts: Vec<&str> = rest.split(':').collect();
        let arity = match kind {
            ResourceKind::StateMachine | ResourceKind::Activity => 1,
            ResourceKind::Execution | ResourceKind::MapRun => 2,
            ResourceKind::ExpressExecution => 3,
        };
        if region.is_empty() || account.is_empty() || parts.len() < arity || parts.iter().any(|p| p.is_empty()) {
            return Err(ArnError::Malformed(text.to_string()));
        }
        Ok(Arn { region, account, kind, parts })
    }

    /// The first resource name (state machine or activity name).
    pub fn name(&self) -> &'a str {
        self.parts[0]
    }
}

/// Builds ARNs in one region and account.
#[derive(Debug, Clone)]
pub struct ArnBuilder {
    pub region: String,
    pub account: String,
}

impl ArnBuilder {
    fn prefix(&self) -> String {
        format!("arn:aws:states:{}:{}", self.region, self.account)
    }

    /// Whether `arn` is in this builder's region and account.
    pub fn owns(&self, arn: &Arn) -> bool {
        arn.region == self.region && arn.account == self.account
    }

    /// `arn:aws:states:<region>:<account>:stateMachine:<name>`
    pub fn state_machine(&self, name: &str) -> String {
        format!("{}:stateMachine:{name}", self.prefix())
    }

    /// `arn:aws:states:<region>:<account>:activity:<name>`
    pub fn activity(&self, name: &str) -> String {
        format!("{}:activity:{name}", self.prefix())
    }

    /// `arn:aws:states:<region>:<account>:execution:<machine>:<name>`
    pub fn execution(&self, machine: &str, name: &str) -> String {
        format!("{}:execution:{machine}:{name}", self.prefix())
    }

    /// `arn:aws:states:<region>:<account>:express:<machine>:<name>:<id>`
    pub fn express_execution(&self, machine: &str, name: &str, id: &str) -> String {
        format!("{}:express:{machine}:{name}:{id}", self.prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind_and_rejects_the_rest() {
        let b = ArnBuilder { region: "us-east-1".into(), account: "123456789012".into() };
        let sm = b.state_machine("m");
        let parsed = Arn::parse(&sm, &[ResourceKind::StateMachine]).unwrap();
        assert_eq!(parsed.name(), "m");
        let ex = b.execution("m", "e");
        assert_eq!(Arn::parse(&ex, &[ResourceKind::Execution]).unwrap().parts, vec!["m", "e"]);
        assert_eq!(
            Arn::parse("invalid_state_machine_arn", &[ResourceKind::Execution]).unwrap_err().to_string(),
            "Invalid Arn: 'Invalid ARN prefix: invalid_state_machine_arn'"
        );
        assert!(matches!(Arn::parse(&sm, &[ResourceKind::Activity]), Err(ArnError::ResourceType(_))));
        let map_run = "arn:aws:states:us-east-1:123456789012:mapRun:m/label:0b4a3f4e";
        assert_eq!(Arn::parse(map_run, &[ResourceKind::MapRun]).unwrap().parts, vec!["m/label", "0b4a3f4e"]);
        assert!(matches!(
            Arn::parse("arn:aws:states:us-east-1:1:mapRun:m/label", &[ResourceKind::MapRun]),
            Err(ArnError::Malformed(_))
        ));
        assert!(matches!(
            Arn::parse("arn:aws:states:us-east-1:1:execution:m", &[ResourceKind::Execution]),
            Err(ArnError::Malformed(_))
        ));
    }

    #[test]
    fn owns_only_its_region_and_account() {
        let b = ArnBuilder { region: "us-east-1".into(), account: "111111111111".into() };
        let own = b.state_machine("m");
        assert!(b.owns(&Arn::parse(&own, &[ResourceKind::StateMachine]).unwrap()));
        let other_account = "arn:aws:states:us-east-1:222222222222:stateMachine:m";
        assert!(!b.owns(&Arn::parse(other_account, &[ResourceKind::StateMachine]).unwrap()));
        let other_region = "arn:aws:states:eu-west-1:111111111111:stateMachine:m";
        assert!(!b.owns(&Arn::parse(other_region, &[ResourceKind::StateMachine]).unwrap()));
    }
}
