//! HTTPS on the API: with `tls_cert`/`tls_key` set, SDK clients that trust the issuing CA work as usual,
//! while plain HTTP and clients that do not trust the certificate get no answer.

use aws_sdk_sfn::types::ExecutionStatus;
use aws_smithy_http_client::tls;
use rcgen::BasicConstraints;
use rcgen::CertificateParams;
use rcgen::CertifiedIssuer;
use rcgen::DnType;
use rcgen::IsCa;
use rcgen::KeyPair;

use crate::server::config_for;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::PASS_MACHINE;
use crate::server::ROLE;

/// A CA certificate (PEM) and a server certificate chain and key it issued for 127.0.0.1 and localhost.
struct Pki {
    ca_pem: String,
    server_pem: String,
    server_key_pem: String,
}

fn issue_pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "statehouse test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key")).expect("CA certificate");
    let server_key = KeyPair::generate().expect("server key");
    let server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("server params")
        .signed_by(&server_key, &ca)
        .expect("server certificate");
    Pki { ca_pem: ca.pem(), server_pem: server.pem(), server_key_pem: server_key.serialize_pem() }
}

/// Starts a server serving HTTPS with the certificate of `pki`.
fn start_tls_server(pki: &Pki) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = dir.path().join("server.pem");
    let key = dir.path().join("server.key");
    std::fs::write(&cert, &pki.server_pem).expect("write cert");
    std::fs::write(&key, &pki.server_key_pem).expect("write key");
    let toml = format!("tls_cert = {:?}\ntls_key = {:?}\n", cert.display().to_string(), key.display().to_string());
    (TestServer::start_with_config(&toml), dir)
}

/// An SDK client for `https://<address>` that trusts only the certificates in `trusted_pem`.
fn https_client(address: &str, trusted_pem: &str) -> aws_sdk_sfn::Client {
    let trust = tls::TrustStore::empty().with_native_roots(false).with_pem_certificate(trusted_pem.as_bytes());
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc))
        .tls_context(tls::TlsContext::builder().with_trust_store(trust).build().expect("tls context"))
        .build_https();
    let conf = config_for(address)
        .endpoint_url(format!("https://{address}"))
        .http_client(http)
        .retry_config(aws_sdk_sfn::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sfn::Client::from_conf(conf)
}

#[tokio::test]
async fn an_sdk_client_trusting_the_ca_runs_a_workflow_over_https() {
    let pki = issue_pki();
    let (server, _dir) = start_tls_server(&pki);
    let client = https_client(&server.address, &pki.ca_pem);
    let machine = client
        .create_state_machine()
        .name("over-tls")
        .definition(PASS_MACHINE)
        .role_arn(ROLE)
        .send()
        .await
        .expect("create over https");
    let started = client
        .start_execution()
        .state_machine_arn(machine.state_machine_arn())
        .input("{}")
        .send()
        .await
        .expect("start over https");
    let done = wait_closed(&client, started.execution_arn()).await;
    assert_eq!(*done.status(), ExecutionStatus::Succeeded);
    assert_eq!(done.output(), Some(r#"{"Arg1":"argument1"}"#));
}

#[tokio::test]
async fn plain_http_and_untrusted_certificates_get_no_answer() {
    let pki = issue_pki();
    let (server, _dir) = start_tls_server(&pki);

    let plain = crate::server::signed_client(&server.address, "AKIDTEST", "SECRETTEST");
    let error = plain.list_state_machines().send().await.expect_err("plain HTTP to an HTTPS port");
    assert!(
        matches!(
            error,
            aws_sdk_sfn::error::SdkError::DispatchFailure(_) | aws_sdk_sfn::error::SdkError::ResponseError(_)
        ),
        "plain HTTP gets no API answer: {error:?}"
    );

    let stranger = issue_pki();
    let untrusting = https_client(&server.address, &stranger.ca_pem);
    let error = untrusting.list_state_machines().send().await.expect_err("a certificate from an untrusted CA");
    assert!(matches!(error, aws_sdk_sfn::error::SdkError::DispatchFailure(_)), "the TLS handshake fails: {error:?}");

    let trusting = https_client(&server.address, &pki.ca_pem);
    let machines = trusting.list_state_machines().send().await.expect("list over https");
    assert!(machines.state_machines().is_empty(), "the failed calls created nothing");
}
