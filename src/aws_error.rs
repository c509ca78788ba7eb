//! The errors a client sees: AWS error codes with AWS-worded messages. The one place that decides the
//! `__type` namespace and HTTP status of each code.

use serde::Deserialize;
use serde::Serialize;

/// An AWS Step Functions error code (the `__type` suffix), the Amazon SWF faults of its activity-worker
/// operations, and the generic AWS protocol errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    ActivityDoesNotExist,
    ActivityAlreadyExists,
    ActivityWorkerLimitExceeded,
    /// A version or alias change that contradicts the current state (a stale revision, a routed version).
    ConflictException,
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    ExecutionLimitExceeded,
    ExecutionNotRedrivable,
    InvalidArn,
    InvalidDefinition,
    InvalidExecutionInput,
    InvalidLoggingConfiguration,
    InvalidName,
    InvalidOutput,
    InvalidToken,
    InvalidTracingConfiguration,
    InvalidEncryptionConfiguration,
    MissingRequiredParameter,
    ResourceNotFound,
    StateMachineAlreadyExists,
    StateMachineDeleting,
    StateMachineDoesNotExist,
    StateMachineTypeNotSupported,
    /// A per-state-machine quota (versions, aliases) would be exceeded.
    ServiceQuotaExceededException,
    TaskDoesNotExist,
    TaskTimedOut,
    TooManyTags,
    ValidationException,
    UnknownOperationException,
    SerializationException,
    ThrottlingException,
    ServiceUnavailable,
    InternalFailure,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
    InvalidSignatureException,
    IncompleteSignatureException,
    ExpiredTokenException,
    AccessDeniedException,
    /// Amazon SWF: the named resource (a task token, a task list) is unknown or closed.
    UnknownResourceFault,
    /// Amazon SWF: the caller may not do this.
    OperationNotPermittedFault,
    /// Amazon SWF: a limit (such as the pollers of one task list) was reached.
    LimitExceededFault,
}

impl ErrorCode {
    /// Whether the code says a named resource does not exist (on this node's replica, at least).
    pub fn is_missing_resource(self) -> bool {
        matches!(
            self,
            ErrorCode::ActivityDoesNotExist
                | ErrorCode::ExecutionDoesNotExist
                | ErrorCode::StateMachineDoesNotExist
                | ErrorCode::ResourceNotFound
                | ErrorCode::TaskDoesNotExist
        )
    }

    /// The code as it appears after `#` in `__type`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::ActivityDoesNotExist => "ActivityDoesNotExist",
            ErrorCode::ActivityAlreadyExists => "ActivityAlreadyExists",
            ErrorCode::ActivityWorkerLimitExceeded => "ActivityWorkerLimitExceeded",
            ErrorCode::ConflictException => "ConflictException",
            ErrorCode::ExecutionAlreadyExists => "ExecutionAlreadyExists",
            ErrorCode::ExecutionDoesNotExist => "ExecutionDoesNotExist",
            ErrorCode::ExecutionLimitExceeded => "ExecutionLimitExceeded",
            ErrorCode::ExecutionNotRedrivable => "ExecutionNotRedrivable",
            ErrorCode::InvalidArn => "InvalidArn",
            ErrorCode::InvalidDefinition => "InvalidDefinition",
            ErrorCode::InvalidExecutionInput => "InvalidExecutionInput",
            ErrorCode::InvalidLoggingConfiguration => "InvalidLoggingConfiguration",
            ErrorCode::InvalidName => "InvalidName",
            ErrorCode::InvalidOutput => "InvalidOutput",
            ErrorCode::InvalidToken => "InvalidToken",
            ErrorCode::InvalidTracingConfiguration => "InvalidTracingConfiguration",
            ErrorCode::InvalidEncryptionConfiguration => "InvalidEncryptionConfiguration",
            ErrorCode::MissingRequiredParameter => "MissingRequiredParameter",
            ErrorCode::ResourceNotFound => "ResourceNotFound",
            ErrorCode::StateMachineAlreadyExists => "StateMachineAlreadyExists",
            ErrorCode::StateMachineDeleting => "StateMachineDeleting",
            ErrorCode::StateMachineDoesNotExist => "StateMachineDoesNotExist",
            ErrorCode::StateMachineTypeNotSupported => "StateMachineTypeNotSupported",
            ErrorCode::ServiceQuotaExceededException => "ServiceQuotaExceededException",
            ErrorCode::TaskDoesNotExist => "TaskDoesNotExist",
            ErrorCode::TaskTimedOut => "TaskTimedOut",
            ErrorCode::TooManyTags => "TooManyTags",
            ErrorCode::ValidationException => "ValidationException",
            ErrorCode::UnknownOperationException => "UnknownOperationException",
            ErrorCode::SerializationException => "SerializationException",
            ErrorCode::ThrottlingException => "ThrottlingException",
            ErrorCode::ServiceUnavailable => "ServiceUnavailable",
            ErrorCode::InternalFailure => "InternalFailure",
            ErrorCode::MissingAuthenticationTokenException => "MissingAuthenticationTokenException",
            ErrorCode::UnrecognizedClientException => "UnrecognizedClientException",
            ErrorCode::InvalidSignatureException => "InvalidSignatureException",
            ErrorCode::IncompleteSignatureException => "IncompleteSignatureException",
            ErrorCode::ExpiredTokenException => "ExpiredTokenException",
            ErrorCode::AccessDeniedException => "AccessDeniedException",
            ErrorCode::UnknownResourceFault => "UnknownResourceFault",
            ErrorCode::OperationNotPermittedFault => "OperationNotPermittedFault",
            ErrorCode::LimitExceededFault => "LimitExceededFault",
        }
    }

    /// The full `__type` value AWS sends.
    pub fn type_id(self) -> String {
        let namespace = match self {
            ErrorCode::ValidationException => "com.amazon.coral.validate",
            ErrorCode::UnknownOperationException
            | ErrorCode::SerializationException
            | ErrorCode::ThrottlingException
            | ErrorCode::ServiceUnavailable
            | ErrorCode::InternalFailure
            | ErrorCode::MissingAuthenticationTokenException
            | ErrorCode::UnrecognizedClientException
            | ErrorCode::InvalidSignatureException
            | ErrorCode::IncompleteSignatureException
            | ErrorCode::ExpiredTokenException
            | ErrorCode::AccessDeniedException => "com.amazon.coral.service",
            ErrorCode::UnknownResourceFault | ErrorCode::OperationNotPermittedFault | ErrorCode::LimitExceededFault => {
                "com.amazonaws.swf.base.model"
            }
            _ => "com.amazonaws.swf.service.v2.model",
        };
        format!("{namespace}#{}", self.name())
    }

    /// The HTTP status AWS answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::ServiceUnavailable => 503,
            ErrorCode::InternalFailure => 500,
            ErrorCode::MissingAuthenticationTokenException => 403,
            ErrorCode::ConflictException => 409,
            ErrorCode::ServiceQuotaExceededException => 402,
            _ => 400,
        }
    }
}

/// An error as the client receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct AwsError {
    pub code: ErrorCode,
    pub message: String,
    /// `resourceName` for ResourceNotFound and TooManyTags.
    pub resource_name: Option<String>,
    /// `reason` of a ValidationException (`INVALID_ROUTING_CONFIGURATION`, ...), when AWS gives one.
    pub reason: Option<String>,
}

impl AwsError {
    /// An error with a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AwsError {
        AwsError { code, message: message.into(), resource_name: None, reason: None }
    }

    /// An error naming the resource it concerns.
    pub fn with_resource(code: ErrorCode, message: impl Into<String>, resource: &str) -> AwsError {
        AwsError { code, message: message.into(), resource_name: Some(resource.to_string()), reason: None }
    }

    /// A ValidationException with its `reason`.
    pub fn invalid_because(reason: &str, message: impl Into<String>) -> AwsError {
        AwsError { reason: Some(reason.to_string()), ..AwsError::new(ErrorCode::ValidationException, message) }
    }

    pub fn state_machine_does_not_exist(arn: &str) -> AwsError {
        AwsError::new(ErrorCode::StateMachineDoesNotExist, format!("State Machine Does Not Exist: '{arn}'"))
    }

    pub fn execution_does_not_exist(arn: &str) -> AwsError {
        AwsError::new(ErrorCode::ExecutionDoesNotExist, format!("Execution Does Not Exist: '{arn}'"))
    }

    pub fn execution_not_redrivable(arn: &str, reason: &str) -> AwsError {
        AwsError::new(ErrorCode::ExecutionNotRedrivable, format!("Execution cannot be redriven: {reason}: '{arn}'"))
    }

    pub fn activity_does_not_exist(arn: &str) -> AwsError {
        AwsError::new(ErrorCode::ActivityDoesNotExist, format!("Activity Does Not Exist: '{arn}'"))
    }

    pub fn resource_not_found(arn: &str) -> AwsError {
        AwsError::with_resource(ErrorCode::ResourceNotFound, format!("Resource not found: '{arn}'"), arn)
    }

    pub fn state_machine_deleting(arn: &str) -> AwsError {
        AwsError::new(ErrorCode::StateMachineDeleting, format!("State machine is being deleted: '{arn}'"))
    }

    pub fn task_timed_out() -> AwsError {
        AwsError::new(ErrorCode::TaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
    }

    pub fn internal(message: impl Into<String>) -> AwsError {
        AwsError::new(ErrorCode::InternalFailure, message)
    }

    pub fn unavailable(message: impl Into<String>) -> AwsError {
        AwsError::new(ErrorCode::ServiceUnavailable, message)
    }
}

impl From<crate::store::StoreError> for AwsError {
    /// A storage failure is the server's fault: InternalFailure; the cause goes to the node's log only.
    fn from(error: crate::store::StoreError) -> AwsError {
        tracing::error!(%error, "reading or writing the state failed");
        AwsError::internal("The server could not read or write its state; see the node's log")
    }
}

impl From<crate::raft::Refusal> for AwsError {
    fn from(refusal: crate::raft::Refusal) -> AwsError {
        use crate::raft::Refusal;
        match refusal {
            Refusal::ShardMoved { shard } => AwsError::unavailable(format!(
                "shard {shard} moved to another node while the request was handled; retry"
            )),
            Refusal::Fenced { .. } => {
                AwsError::unavailable("the execution moved on while the request was handled; retry")
            }
            Refusal::StateMachineDoesNotExist { arn } => AwsError::state_machine_does_not_exist(&arn),
            Refusal::StateMachineDeleting { arn } => AwsError::state_machine_deleting(&arn),
            Refusal::StateMachineAlreadyExists { arn } => {
                AwsError::new(ErrorCode::StateMachineAlreadyExists, format!("State Machine Already Exists: '{arn}'"))
            }
            Refusal::ActivityAlreadyExists { arn } => {
                AwsError::new(ErrorCode::ActivityAlreadyExists, format!("Activity already exists: '{arn}'"))
            }
            Refusal::ExecutionAlreadyExists { arn } => {
                AwsError::new(ErrorCode::ExecutionAlreadyExists, format!("Execution Already Exists: '{arn}'"))
            }
            Refusal::ExecutionLimitExceeded => AwsError::new(
                ErrorCode::ExecutionLimitExceeded,
                "The maximum number of running executions has been reached. Running executions must end or be \
                 stopped before a new execution can be started.",
            ),
            Refusal::ResourceNotFound { arn } => AwsError::resource_not_found(&arn),
            Refusal::ExecutionDoesNotExist { arn } => AwsError::execution_does_not_exist(&arn),
            Refusal::ExecutionNotRedrivable { arn, reason } => AwsError::execution_not_redrivable(&arn, &reason),
            Refusal::Conflict { message } => AwsError::new(ErrorCode::ConflictException, message),
            Refusal::QuotaExceeded { message } => AwsError::new(ErrorCode::ServiceQuotaExceededException, message),
            Refusal::TooManyTags { arn, limit } => AwsError::with_resource(
                ErrorCode::TooManyTags,
                format!("Too many tags: a resource can have at most {limit} tags: '{arn}'"),
                &arn,
            ),
        }
    }
}

impl From<crate::raft::ProposeError> for AwsError {
    fn from(error: crate::raft::ProposeError) -> AwsError {
        match error {
            crate::raft::ProposeError::Refused(refusal) => refusal.into(),
            crate::raft::ProposeError::Unavailable(message) => AwsError::unavailable(format!("{message}; retry")),
            crate::raft::ProposeError::Busy => AwsError::new(ErrorCode::ThrottlingException, "Rate exceeded"),
        }
    }
}
