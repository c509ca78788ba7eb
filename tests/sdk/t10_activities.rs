//! Activities through the SDK: create (idempotent), describe, list with pagination, delete, polling.

use crate::server::code;
use crate::server::TestServer;

#[tokio::test]
async fn activity_lifecycle() {
    let server = TestServer::start();
    let sfn = server.client();

    let a = sfn.create_activity().name("worker-a").send().await.unwrap();
    assert_eq!(a.activity_arn(), "arn:aws:states:us-east-1:123456789012:activity:worker-a");
    let again = sfn.create_activity().name("worker-a").send().await.unwrap();
    assert_eq!(again.creation_date(), a.creation_date(), "CreateActivity is idempotent on its name");
    assert_eq!(code(sfn.create_activity().name("activity?name").send().await), "InvalidName");

    let d = sfn.describe_activity().activity_arn(a.activity_arn()).send().await.unwrap();
    assert_eq!(d.name(), "worker-a");
    assert_eq!(d.creation_date(), a.creation_date());
    assert_eq!(code(sfn.describe_activity().activity_arn("no_an_activity_arn").send().await), "InvalidArn");
    let missing = "arn:aws:states:us-east-1:123456789012:activity:missing";
    assert_eq!(code(sfn.describe_activity().activity_arn(missing).send().await), "ActivityDoesNotExist");
    assert_eq!(code(sfn.get_activity_task().activity_arn(missing).send().await), "ActivityDoesNotExist");

    // A poll with nothing scheduled ends without a task.
    let task = sfn.get_activity_task().activity_arn(a.activity_arn()).worker_name("w").send().await.unwrap();
    assert!(task.task_token().is_none());

    for i in 0..3 {
        sfn.create_activity().name(format!("more-{i}")).send().await.unwrap();
    }
    let first = sfn.list_activities().max_results(3).send().await.unwrap();
    assert_eq!(first.activities().len(), 3);
    let rest = sfn.list_activities().next_token(first.next_token().unwrap()).send().await.unwrap();
    assert_eq!(rest.activities().len(), 1);
    assert!(rest.next_token().is_none());

    sfn.delete_activity().activity_arn(a.activity_arn()).send().await.unwrap();
    sfn.delete_activity().activity_arn(a.activity_arn()).send().await.unwrap();
    assert_eq!(code(sfn.describe_activity().activity_arn(a.activity_arn()).send().await), "ActivityDoesNotExist");

    // Task tokens this cluster never issued are InvalidToken; bad output is InvalidOutput.
    assert_eq!(code(sfn.send_task_heartbeat().task_token("garbage").send().await), "InvalidToken");
    assert_eq!(code(sfn.send_task_failure().task_token("garbage").send().await), "InvalidToken");
    assert_eq!(code(sfn.send_task_success().task_token("garbage").output("{}").send().await), "InvalidToken");
    assert_eq!(code(sfn.send_task_success().task_token("garbage").output("{nope").send().await), "InvalidOutput");
}
