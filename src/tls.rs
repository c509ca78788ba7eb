//! HTTPS for the API: the certificate chain and key named in the configuration, served with rustls.

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::PrivateKeyDer;
use rustls::ServerConfig;

/// A rustls server configuration for the PEM certificate chain at `cert` and the private key at `key`.
pub fn server_config(cert: &Path, key: &Path) -> io::Result<ServerConfig> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| io::Error::other(format!("tls_cert {}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(io::Error::other(format!("tls_cert {}: no certificate in the file", cert.display())));
    }
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| io::Error::other(format!("tls_key {}: {e}", key.display())))?;
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
        .map_err(|e| io::Error::other(format!("tls_cert/tls_key: {e}")))
}
