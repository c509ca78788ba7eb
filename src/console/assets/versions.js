// Versions and aliases of a state machine, read through the one function below: empty while the service
// has no ListStateMachineVersions / ListStateMachineAliases, filled once it has them.

import { listAll } from './api.js';

/** `{ versions, aliases }` of the state machine `arn`, as the API lists them. */
export async function versionsAndAliases(arn, session) {
  const offered = (operation) => Boolean(session.operations && session.operations[operation]);
  const [versions, aliases] = await Promise.all([
    offered('ListStateMachineVersions')
      ? listAll('ListStateMachineVersions', { stateMachineArn: arn }, 'stateMachineVersions') : [],
    offered('ListStateMachineAliases')
      ? listAll('ListStateMachineAliases', { stateMachineArn: arn }, 'stateMachineAliases') : [],
  ]);
  return { versions, aliases };
}
