//! Signed policy documents (ed25519). The endpoint signs the exact bytes of each published
//! policy; the device refuses a document whose signature does not verify against the key it
//! pinned, and keeps the last good one (the lesson of OPA's GHSA-g2pf-6v5v-qcc8: never accept an
//! unsigned bundle just because signing is configured elsewhere).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// A policy document with its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedPolicy {
    /// The policy version (also the ETag).
    pub version: String,
    /// Publication number, increasing with every publication and covered by the signature: a
    /// device refuses a policy older than the one it has (no downgrade by replaying an old,
    /// validly signed document).
    pub seq: u64,
    /// The policy document, as the exact JSON text that was signed.
    pub document: String,
    /// Base64 ed25519 signature of `recoup-policy\n{seq}\n{document}`.
    pub signature: String,
    /// Base64 public key that made the signature (for display; the device trusts its pinned key).
    pub key: String,
}

/// Why a signed document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No signature.
    #[error("the policy is not signed; it was refused and the last good policy stays in force")]
    Unsigned,
    /// The signature or key is not well-formed.
    #[error(
        "the policy signature is malformed ({0}); it was refused and the last good policy stays in force"
    )]
    Malformed(String),
    /// The signature does not match the document or the pinned key.
    #[error(
        "the policy signature does not verify against the endpoint's key; it was refused and the last good policy stays in force"
    )]
    Invalid,
}

/// An ed25519 public key, as base64 text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyKey(VerifyingKey);

impl PolicyKey {
    /// Reads a base64 public key.
    pub fn from_base64(text: &str) -> Result<Self, SignatureError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|e| SignatureError::Malformed(e.to_string()))?;
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| SignatureError::Malformed("a public key is 32 bytes".into()))?;
        VerifyingKey::from_bytes(&arr)
            .map(Self)
            .map_err(|e| SignatureError::Malformed(e.to_string()))
    }

    /// The key as base64 text.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.as_bytes())
    }
}

impl SignedPolicy {
    /// The exact bytes signed: the publication number and the document.
    fn message(seq: u64, document: &str) -> Vec<u8> {
        format!("recoup-policy\n{seq}\n{document}").into_bytes()
    }

    /// Signs publication `seq` of `document` with `key`.
    pub fn sign(version: &str, seq: u64, document: String, key: &SigningKey) -> Self {
        let signature = key.sign(&Self::message(seq, &document));
        Self {
            version: version.to_owned(),
            seq,
            document,
            signature: STANDARD.encode(signature.to_bytes()),
            key: STANDARD.encode(key.verifying_key().as_bytes()),
        }
    }

    /// Checks the signature against the pinned key; returns the document's bytes to validate.
    pub fn verify(&self, pinned: &PolicyKey) -> Result<&[u8], SignatureError> {
        if self.signature.trim().is_empty() {
            return Err(SignatureError::Unsigned);
        }
        let bytes = STANDARD
            .decode(self.signature.trim())
            .map_err(|e| SignatureError::Malformed(e.to_string()))?;
        let sig =
            Signature::from_slice(&bytes).map_err(|e| SignatureError::Malformed(e.to_string()))?;
        pinned
            .0
            .verify(&Self::message(self.seq, &self.document), &sig)
            .map_err(|_| SignatureError::Invalid)?;
        Ok(self.document.as_bytes())
    }
}

/// The public key of a signing key.
pub fn public_key(key: &SigningKey) -> PolicyKey {
    PolicyKey(key.verifying_key())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    #[test]
    fn a_signed_document_verifies_with_its_key_only() {
        let signed = SignedPolicy::sign("v1", 1, "{\"a\":1}".into(), &key(1));
        assert!(
            signed.verify(&public_key(&key(1))).is_ok(),
            "own key verifies"
        );
        assert_eq!(
            signed.verify(&public_key(&key(2))),
            Err(SignatureError::Invalid),
            "another key does not"
        );
    }

    #[test]
    fn tampering_or_stripping_the_signature_is_refused() {
        let mut signed = SignedPolicy::sign("v1", 1, "{\"a\":1}".into(), &key(1));
        let pinned = public_key(&key(1));
        signed.document.push(' ');
        assert_eq!(
            signed.verify(&pinned),
            Err(SignatureError::Invalid),
            "one byte changed"
        );
        signed.signature.clear();
        assert_eq!(
            signed.verify(&pinned),
            Err(SignatureError::Unsigned),
            "unsigned"
        );
        signed.signature = "@@@".into();
        assert!(matches!(
            signed.verify(&pinned),
            Err(SignatureError::Malformed(_))
        ));
    }

    #[test]
    fn keys_round_trip_through_base64() {
        let k = public_key(&key(7));
        assert_eq!(PolicyKey::from_base64(&k.to_base64()), Ok(k));
        assert!(
            PolicyKey::from_base64("c2hvcnQ=").is_err(),
            "a short key is refused"
        );
    }
}
