//! TLS to the PostgreSQL server, with libpq's meaning of `sslmode`:
//!
//! - `disable`: plain TCP.
//! - `prefer` (the default) and `require`: encrypted when the server offers it (`require`:
//!   or not at all), without checking the server's certificate, as libpq does. This protects
//!   against eavesdropping, not against a server that pretends to be another.
//! - `verify-ca` and `verify-full`: encrypted, and the certificate must chain to a trusted
//!   root (the system's store, Mozilla's roots, and the file given as `sslrootcert`) and name
//!   the host. `verify-ca` is checked as `verify-full`: the host name is always checked.
//!
//! One difference: `prefer` (or no `sslmode`) to a loopback address (`localhost`,
//! `127.0.0.0/8`, `::1`) connects without TLS. Traffic that never leaves the host gains
//! nothing from encryption, and the handshake costs every short command about 2 ms.
//! `sslmode=require` still encrypts it.
//!
//! The client library knows only `disable`, `prefer` and `require`, and no `sslrootcert`, so
//! the URL is rewritten before it is parsed.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{Error, Result};

/// A URL the client library can parse, and how to make its TLS connections.
pub(super) struct Prepared {
    pub(super) url: String,
    pub(super) tls: MakeRustlsConnect,
}

/// Splits our TLS options off `url` and builds the connector they ask for.
pub(super) fn prepare(url: &str) -> Result<Prepared> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut verify = false;
    let mut root_file = None;
    let mut kept = Vec::new();
    let mut mode_given = false;
    let mut hosts_in_query = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (key, value) {
            ("sslmode", "verify-ca" | "verify-full") => {
                verify = true;
                mode_given = true;
                kept.push("sslmode=require".to_string());
            }
            ("sslmode", "prefer") => {}
            ("sslmode", _) => {
                mode_given = true;
                kept.push(pair.to_string());
            }
            ("sslrootcert", file) => root_file = Some(percent_decode(file)),
            ("host" | "hostaddr", h) => {
                hosts_in_query.push(percent_decode(h));
                kept.push(pair.to_string());
            }
            _ => kept.push(pair.to_string()),
        }
    }
    if !mode_given {
        let local = loopback_only(base, &hosts_in_query);
        kept.push(format!(
            "sslmode={}",
            if local { "disable" } else { "prefer" }
        ));
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Store(format!("cannot set up TLS: {e}")))?;
    let config = if verify {
        builder
            .with_root_certificates(roots(root_file.as_deref())?)
            .with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
            .with_no_client_auth()
    };
    Ok(Prepared {
        url,
        tls: MakeRustlsConnect::new(config),
    })
}

/// Whether every host the URL names is a loopback address. Hosts come from the authority
/// (`user@host:port,host2`) or from `host=`/`hostaddr=` in the query; a Unix socket
/// directory (a path) counts as local.
fn loopback_only(base: &str, query_hosts: &[String]) -> bool {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    let hostlist = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let mut hosts: Vec<String> = hostlist
        .split(',')
        .filter(|h| !h.is_empty())
        .map(|h| {
            let h = percent_decode(h);
            match h.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or("").to_string(),
                None => h.split(':').next().unwrap_or("").to_string(),
            }
        })
        .collect();
    hosts.extend(
        query_hosts
            .iter()
            .flat_map(|h| h.split(',').map(str::to_string)),
    );
    !hosts.is_empty()
        && hosts.iter().all(|h| {
            h.eq_ignore_ascii_case("localhost")
                || h.starts_with('/')
                || h.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        })
}

/// Whether every host of `url` is a loopback address (see [`prepare`]).
#[cfg(test)]
pub(super) fn is_loopback_url(url: &str) -> bool {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let hosts: Vec<String> = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .filter(|(k, _)| matches!(*k, "host" | "hostaddr"))
        .map(|(_, v)| percent_decode(v))
        .collect();
    loopback_only(base, &hosts)
}

/// Mozilla's roots, the system's, and those of `file`.
fn roots(file: Option<&str>) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(file) = file {
        let pem = std::fs::read(file)
            .map_err(|e| Error::io(format!("cannot read sslrootcert {file}"), e))?;
        let certs: Vec<CertificateDer<'static>> =
            rustls::pki_types::pem::PemObject::pem_slice_iter(&pem)
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| {
                    Error::invalid("db", format!("sslrootcert {file} is not PEM: {e:?}"))
                })?;
        if certs.is_empty() {
            return Err(Error::invalid(
                "db",
                format!("sslrootcert {file} holds no certificate"),
            ));
        }
        roots.add_parsable_certificates(certs);
    }
    Ok(roots)
}

/// `%XX` escapes in a URL's query value.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `prefer` and `require`: any certificate, as libpq accepts it in these modes; the
/// handshake's signatures are still checked, so the session is encrypted to the holder of
/// the certificate's key.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::prepare;

    #[test]
    fn verify_modes_become_require_and_the_root_file_is_taken_off() {
        let p = prepare("postgres://u@h/db?sslmode=verify-full&application_name=x").unwrap();
        assert_eq!(
            p.url,
            "postgres://u@h/db?sslmode=require&application_name=x"
        );
        let p = prepare("postgres://u@h/db?sslmode=prefer").unwrap();
        assert_eq!(p.url, "postgres://u@h/db?sslmode=prefer");
        let p = prepare("postgres://u@h/db").unwrap();
        assert_eq!(p.url, "postgres://u@h/db?sslmode=prefer");
        let err = prepare("postgres://u@h/db?sslmode=verify-ca&sslrootcert=%2Fno%2Fsuch.pem")
            .err()
            .unwrap();
        assert!(err.to_string().contains("/no/such.pem"), "{err}");
    }

    #[test]
    fn prefer_to_a_loopback_address_goes_without_tls() {
        let url = |u: &str| prepare(u).unwrap().url;
        for local in [
            "postgres://u@127.0.0.1:5432/db",
            "postgres://u:p@localhost/db",
            "postgresql://[::1]:5433/db?sslmode=prefer",
            "postgres://127.0.0.2,localhost/db",
            "postgres:///db?host=%2Fvar%2Frun%2Fpostgresql",
        ] {
            assert!(
                url(local).ends_with("sslmode=disable"),
                "{local}: {}",
                url(local)
            );
        }
        for remote in [
            "postgres://u@db.example.com/db",
            "postgres://u@10.0.0.5/db?sslmode=prefer",
            "postgres://127.0.0.1,db.example.com/db",
            "postgres://u@127.0.0.1/db?host=db.example.com",
        ] {
            assert!(
                url(remote).ends_with("sslmode=prefer"),
                "{remote}: {}",
                url(remote)
            );
        }
        // What the URL asks for is kept.
        assert!(url("postgres://u@127.0.0.1/db?sslmode=require").ends_with("sslmode=require"));
        assert!(url("postgres://u@h/db?sslmode=disable").ends_with("sslmode=disable"));
    }
}
