//! One API call's view of the service: the shared state, seen from the calling account.

use std::ops::Deref;

use super::ApiState;
use crate::arn::ArnBuilder;

/// The shared [`ApiState`] as one account sees it: the ARNs it creates carry that account, and ARNs of
/// other accounts name nothing it can reach (handlers check them with [`ArnBuilder::owns`]).
pub struct AccountView<'a> {
    state: &'a ApiState,
    /// Builds the caller's ARNs (node's region, caller's account) and tells its own ARNs apart.
    pub arns: ArnBuilder,
}

impl<'a> AccountView<'a> {
    /// `state` as seen from `account`.
    pub fn new(state: &'a ApiState, account: String) -> AccountView<'a> {
        AccountView { state, arns: ArnBuilder { region: state.config.region.clone(), account } }
    }
}

impl Deref for AccountView<'_> {
    type Target = ApiState;

    fn deref(&self) -> &ApiState {
        self.state
    }
}
