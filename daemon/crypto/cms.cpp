#include "crypto/cms.h"

#include <botan/ber_dec.h>
#include <botan/bigint.h>
#include <botan/certstor.h>
#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/ec_group.h>
#include <botan/ecc_key.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/oids.h>
#include <botan/pk_keys.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/system_rng.h>
#include <botan/x509cert.h>
#include <botan/x509path.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <utility>

namespace kinvault::crypto {

namespace {

// RFC 5652 §4, §5, §11; RFC 5035 §5.4.1; RFC 5754 §2; RFC 5758 §3.2; RFC 3370 §3.2.
const Botan::OID k_oid_data{1, 2, 840, 113549, 1, 7, 1};
const Botan::OID k_oid_signed_data{1, 2, 840, 113549, 1, 7, 2};
const Botan::OID k_oid_content_type{1, 2, 840, 113549, 1, 9, 3};
const Botan::OID k_oid_message_digest{1, 2, 840, 113549, 1, 9, 4};
const Botan::OID k_oid_signing_certificate_v2{1, 2, 840, 113549, 1, 9, 16, 2, 47};
const Botan::OID k_oid_sha256{2, 16, 840, 1, 101, 3, 4, 2, 1};
const Botan::OID k_oid_ecdsa_sha256{1, 2, 840, 10045, 4, 3, 2};
const Botan::OID k_oid_ec_public_key{1, 2, 840, 10045, 2, 1};
const Botan::OID k_oid_rsa{1, 2, 840, 113549, 1, 1, 1};
const Botan::OID k_oid_rsa_sha256{1, 2, 840, 113549, 1, 1, 11};
const Botan::OID k_oid_p256{1, 2, 840, 10045, 3, 1, 7};

constexpr std::size_t k_min_rsa_bits = 2048;

// Structural errors while parsing; converted to Errc::invalid_input at the API boundary.
class FormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class KeyType { ecdsa_p256, rsa };

struct SignatureScheme {
    const char* padding;
    Botan::Signature_Format format;
};

SignatureScheme scheme_for(KeyType type) {
    if (type == KeyType::ecdsa_p256) {
        // CMS carries ECDSA signatures as DER SEQUENCE { r, s } (RFC 5753 §7.2); Botan's default is r||s.
        return {"EMSA1(SHA-256)", Botan::DER_SEQUENCE};
    }
    return {"EMSA3(SHA-256)", Botan::IEEE_1363};
}

Result<KeyType> classify_key(const Botan::Public_Key& key) {
    const std::string algo = key.algo_name();
    if (algo == "ECDSA") {
        const auto* ec = dynamic_cast<const Botan::EC_PublicKey*>(&key);
        if (ec != nullptr && ec->domain().get_curve_oid() == k_oid_p256) {
            return KeyType::ecdsa_p256;
        }
        return make_error(Errc::invalid_input, "only ECDSA keys on P-256 are supported");
    }
    if (algo == "RSA") {
        if (key.key_length() < k_min_rsa_bits) {
            return make_error(Errc::invalid_input, "RSA keys must have at least 2048 bits");
        }
        return KeyType::rsa;
    }
    return make_error(Errc::invalid_input,
                      "unsupported key type " + algo + " (PDF signatures need ECDSA P-256 or RSA)");
}

Result<Botan::X509_Certificate> load_certificate(const std::string& pem) {
    try {
        Botan::DataSource_Memory source(pem);
        return Botan::X509_Certificate(source);
    } catch (const std::exception& e) {
        return make_error(Errc::invalid_input, std::string("certificate does not parse: ") + e.what());
    }
}

Result<std::vector<Botan::X509_Certificate>> load_certificates(const std::vector<std::string>& pems) {
    std::vector<Botan::X509_Certificate> out;
    for (const auto& pem : pems) {
        auto split = KV_TRY_VALUE(split_certificate_bundle(pem));
        for (const auto& one : split) {
            auto cert = KV_TRY_VALUE(load_certificate(one));
            out.push_back(std::move(cert));
        }
    }
    return out;
}

Result<std::unique_ptr<Botan::Private_Key>> load_private_key(const Secret& pem) {
    if (pem.empty()) {
        return make_error(Errc::invalid_input, "private key is empty");
    }
    try {
        Botan::DataSource_Memory source(pem.data(), pem.size());
        auto key = Botan::PKCS8::load_key(source);
        if (!key) {
            return make_error(Errc::invalid_input, "private key does not parse");
        }
        return key;
    } catch (const std::exception& e) {
        // Botan's message for an encrypted key asks for a passphrase; say what we support instead.
        return make_error(Errc::invalid_input,
                          std::string("private key does not parse as an unencrypted PKCS#8 PEM: ") +
                              e.what());
    }
}

Bytes certificate_der(const Botan::X509_Certificate& cert) {
    return cert.BER_encode();
}

Digest sha256_of(const Bytes& data) {
    return sha256(data);
}

// Botan::X509_Time to Unix seconds; X509_Time keeps UTC fields.
UnixTime to_unix(const Botan::X509_Time& t) {
    return static_cast<UnixTime>(t.time_since_epoch());
}

std::string dn_short_name(const Botan::OID& oid) {
    const std::string name = Botan::OIDS::oid2str_or_empty(oid);
    static const std::pair<const char*, const char*> k_short[] = {
        {"X520.CommonName", "CN"},
        {"X520.Organization", "O"},
        {"X520.OrganizationalUnit", "OU"},
        {"X520.Country", "C"},
        {"X520.Locality", "L"},
        {"X520.State", "ST"},
        {"PKCS9.EmailAddress", "emailAddress"},
        {"X520.SerialNumber", "serialNumber"},
    };
    for (const auto& [long_name, short_name] : k_short) {
        if (name == long_name) {
            return short_name;
        }
    }
    return oid.to_string();
}

std::string format_dn(const Botan::X509_DN& dn) {
    std::string out;
    for (const auto& [oid, value] : dn.dn_info()) {
        if (!out.empty()) {
            out += ", ";
        }
        out += dn_short_name(oid) + "=" + value.value();
    }
    return out;
}

std::string first_or_empty(const std::vector<std::string>& values) {
    return values.empty() ? std::string() : values.front();
}

CertificateInfo describe(const Botan::X509_Certificate& cert) {
    CertificateInfo info;
    info.common_name = first_or_empty(cert.subject_info("X520.CommonName"));
    info.email = first_or_empty(cert.subject_info("RFC822"));
    if (info.email.empty()) {
        info.email = first_or_empty(cert.subject_info("PKCS9.EmailAddress"));
    }
    info.serial_hex = Botan::hex_encode(cert.serial_number());
    info.subject = format_dn(cert.subject_dn());
    info.issuer = format_dn(cert.issuer_dn());
    info.fingerprint = cert.fingerprint("SHA-256");
    try {
        const auto key = cert.load_subject_public_key();
        if (key->algo_name() == "ECDSA") {
            const auto* ec = dynamic_cast<const Botan::EC_PublicKey*>(key.get());
            info.key_algorithm = (ec != nullptr && ec->domain().get_curve_oid() == k_oid_p256)
                                     ? "ECDSA P-256"
                                     : "ECDSA " + std::to_string(key->key_length());
        } else {
            info.key_algorithm = key->algo_name() + "-" + std::to_string(key->key_length());
        }
    } catch (const std::exception&) {
        info.key_algorithm = "unknown";
    }
    info.not_before = to_unix(cert.not_before());
    info.not_after = to_unix(cert.not_after());
    info.certificate_pem = cert.PEM_encode();
    return info;
}

// --- encoding -------------------------------------------------------------------------------------------

Bytes encode_attribute(const Botan::OID& type, const Bytes& value_der) {
    Bytes out;
    Botan::DER_Encoder(out)
        .start_cons(Botan::SEQUENCE)
        .encode(type)
        .start_cons(Botan::SET)
        .raw_bytes(value_der)
        .end_cons()
        .end_cons();
    return out;
}

// SigningCertificateV2 (RFC 5035 §5.4.1) naming one certificate: ESSCertIDv2 with hashAlgorithm left at its
// DEFAULT (id-sha256, so DER omits it), certHash and issuerSerial { GeneralNames { directoryName }, serial }.
Bytes encode_signing_certificate_v2(const Botan::X509_Certificate& cert) {
    const Digest cert_hash = sha256_of(certificate_der(cert));
    Bytes out;
    Botan::DER_Encoder(out)
        .start_cons(Botan::SEQUENCE) // SigningCertificateV2
        .start_cons(Botan::SEQUENCE) // certs
        .start_cons(Botan::SEQUENCE) // ESSCertIDv2
        .encode(cert_hash.data(), cert_hash.size(), Botan::OCTET_STRING)
        .start_cons(Botan::SEQUENCE)                             // IssuerSerial
        .start_cons(Botan::SEQUENCE)                             // GeneralNames
        .start_cons(Botan::ASN1_Tag(4), Botan::CONTEXT_SPECIFIC) // directoryName [4] EXPLICIT
        .raw_bytes(cert.raw_issuer_dn())
        .end_cons()
        .end_cons()
        .encode(Botan::BigInt(cert.serial_number()))
        .end_cons()
        .end_cons()
        .end_cons()
        .end_cons();
    return out;
}

Bytes build_signed_attributes(const Digest& content_digest, const Botan::X509_Certificate& cert) {
    Bytes content_type_value;
    Botan::DER_Encoder(content_type_value).encode(k_oid_data);
    Bytes digest_value;
    Botan::DER_Encoder(digest_value)
        .encode(content_digest.data(), content_digest.size(), Botan::OCTET_STRING);

    std::vector<Bytes> attributes = {
        encode_attribute(k_oid_content_type, content_type_value),
        encode_attribute(k_oid_message_digest, digest_value),
        encode_attribute(k_oid_signing_certificate_v2, encode_signing_certificate_v2(cert)),
    };
    // DER orders SET OF by the encodings (X.690 §11.6); sorting here keeps the bytes we sign independent of
    // the encoder's own ordering.
    std::sort(attributes.begin(), attributes.end());
    Bytes out;
    Botan::DER_Encoder encoder(out);
    encoder.start_cons(Botan::SET);
    for (const auto& attribute : attributes) {
        encoder.raw_bytes(attribute);
    }
    encoder.end_cons();
    return out;
}

Botan::AlgorithmIdentifier signature_algorithm_for(KeyType type) {
    if (type == KeyType::ecdsa_p256) {
        return Botan::AlgorithmIdentifier(k_oid_ecdsa_sha256, Botan::AlgorithmIdentifier::USE_EMPTY_PARAM);
    }
    return Botan::AlgorithmIdentifier(k_oid_rsa, Botan::AlgorithmIdentifier::USE_NULL_PARAM);
}

Bytes encode_content_info(const Bytes& signed_attributes, const Bytes& signature, KeyType key_type,
                          const Botan::X509_Certificate& signer,
                          const std::vector<Botan::X509_Certificate>& chain) {
    const Botan::AlgorithmIdentifier sha256_id(k_oid_sha256, Botan::AlgorithmIdentifier::USE_EMPTY_PARAM);

    // signedAttrs are stored [0] IMPLICIT: the SET's tag byte becomes 0xA0 and nothing else changes
    // (RFC 5652 §5.4: the signature is computed over the SET encoding).
    Bytes implicit_attributes = signed_attributes;
    implicit_attributes.front() = 0xA0;

    Bytes signer_info;
    Botan::DER_Encoder(signer_info)
        .start_cons(Botan::SEQUENCE)
        .encode(static_cast<std::size_t>(1)) // version 1: sid is issuerAndSerialNumber
        .start_cons(Botan::SEQUENCE)
        .raw_bytes(signer.raw_issuer_dn())
        .encode(Botan::BigInt(signer.serial_number()))
        .end_cons()
        .encode(sha256_id)
        .raw_bytes(implicit_attributes)
        .encode(signature_algorithm_for(key_type))
        .encode(signature, Botan::OCTET_STRING)
        .end_cons();

    const Bytes signer_der = certificate_der(signer);
    Bytes certificates;
    Botan::DER_Encoder cert_encoder(certificates);
    cert_encoder.start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC);
    cert_encoder.raw_bytes(signer_der);
    for (const auto& cert : chain) {
        const Bytes der = certificate_der(cert);
        if (der != signer_der) {
            cert_encoder.raw_bytes(der);
        }
    }
    cert_encoder.end_cons();

    Bytes signed_data;
    Botan::DER_Encoder(signed_data)
        .start_cons(Botan::SEQUENCE)
        .encode(static_cast<std::size_t>(1)) // version 1: id-data, no attribute certificates, v1 SignerInfo
        .start_cons(Botan::SET)
        .encode(sha256_id)
        .end_cons()
        .start_cons(Botan::SEQUENCE) // encapContentInfo without eContent: detached
        .encode(k_oid_data)
        .end_cons()
        .raw_bytes(certificates)
        .start_cons(Botan::SET)
        .raw_bytes(signer_info)
        .end_cons()
        .end_cons();

    Bytes content_info;
    Botan::DER_Encoder(content_info)
        .start_cons(Botan::SEQUENCE)
        .encode(k_oid_signed_data)
        .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
        .raw_bytes(signed_data)
        .end_cons()
        .end_cons();
    return content_info;
}

bool verify_raw_signature(const Botan::Public_Key& key, KeyType type, const Bytes& message,
                          const Bytes& signature) {
    const SignatureScheme scheme = scheme_for(type);
    Botan::PK_Verifier verifier(key, scheme.padding, scheme.format);
    return verifier.verify_message(message, signature);
}

// --- parsing --------------------------------------------------------------------------------------------

// BER allows indefinite lengths (NSS, for one, writes them); Botan then leaves the end-of-contents octets
// in the decoder, so "is there more" means "is there another object that is not an EOC".
bool has_more(Botan::BER_Decoder& decoder) {
    if (!decoder.more_items()) {
        return false;
    }
    Botan::BER_Object obj = decoder.get_next_object();
    if (!obj.is_set()) {
        return false;
    }
    decoder.push_back(std::move(obj));
    return true;
}

void expect_end(Botan::BER_Decoder& decoder, const char* what) {
    if (has_more(decoder)) {
        throw FormatError(std::string("unexpected data after ") + what);
    }
}

Botan::BER_Object next(Botan::BER_Decoder& decoder, const char* what) {
    if (!has_more(decoder)) {
        throw FormatError(std::string("missing ") + what);
    }
    return decoder.get_next_object();
}

Botan::BER_Object expect(Botan::BER_Decoder& decoder, Botan::ASN1_Tag type, Botan::ASN1_Tag klass,
                         const char* what) {
    Botan::BER_Object obj = next(decoder, what);
    if (!obj.is_a(type, klass)) {
        throw FormatError(std::string("unexpected tag for ") + what);
    }
    return obj;
}

Botan::ASN1_Tag constructed(Botan::ASN1_Tag klass) {
    return static_cast<Botan::ASN1_Tag>(klass | Botan::CONSTRUCTED);
}

// The DER TLV of a parsed object, with the tag given (used to rebuild the SET form of signedAttrs and the
// standalone encodings of certificates and names).
Bytes reencode(const Botan::BER_Object& obj, Botan::ASN1_Tag type, Botan::ASN1_Tag klass) {
    Bytes out;
    Botan::DER_Encoder(out).add_object(type, klass, obj.bits(), obj.length());
    return out;
}

Botan::OID decode_oid(const Botan::BER_Object& obj) {
    Bytes tlv = reencode(obj, Botan::OBJECT_ID, Botan::UNIVERSAL);
    Botan::OID oid;
    Botan::BER_Decoder decoder(tlv);
    decoder.decode(oid);
    expect_end(decoder, "OID");
    return oid;
}

Botan::AlgorithmIdentifier decode_algorithm(Botan::BER_Decoder& decoder, const char* what) {
    Botan::BER_Object obj = expect(decoder, Botan::SEQUENCE, constructed(Botan::UNIVERSAL), what);
    Bytes tlv = reencode(obj, Botan::SEQUENCE, constructed(Botan::UNIVERSAL));
    Botan::AlgorithmIdentifier alg;
    Botan::BER_Decoder inner(tlv);
    inner.decode(alg);
    expect_end(inner, what);
    return alg;
}

struct ParsedAttributes {
    Bytes der_set; // what was signed: the attributes as a SET
    std::optional<Botan::OID> content_type;
    std::optional<Bytes> message_digest;
    std::optional<Bytes> signing_certificate_v2; // the attribute value (SigningCertificateV2 DER)
};

ParsedAttributes parse_signed_attributes(const Botan::BER_Object& attrs_obj) {
    ParsedAttributes out;
    out.der_set = reencode(attrs_obj, Botan::SET, constructed(Botan::UNIVERSAL));
    std::vector<Botan::OID> seen;
    Botan::BER_Decoder attrs(attrs_obj);
    while (has_more(attrs)) {
        Botan::BER_Object attr_obj =
            expect(attrs, Botan::SEQUENCE, constructed(Botan::UNIVERSAL), "attribute");
        Botan::BER_Decoder attr(attr_obj);
        const Botan::OID type =
            decode_oid(expect(attr, Botan::OBJECT_ID, Botan::UNIVERSAL, "attribute type"));
        if (std::find(seen.begin(), seen.end(), type) != seen.end()) {
            // RFC 5652 §5.3: an attribute type appears at most once among the signed attributes.
            throw FormatError("signed attribute " + type.to_string() + " appears twice");
        }
        seen.push_back(type);
        Botan::BER_Object values_obj =
            expect(attr, Botan::SET, constructed(Botan::UNIVERSAL), "attribute values");
        expect_end(attr, "attribute");
        Botan::BER_Decoder values(values_obj);
        Botan::BER_Object value = next(values, "attribute value");
        const bool single = !has_more(values);
        if (type == k_oid_content_type) {
            if (!single || !value.is_a(Botan::OBJECT_ID, Botan::UNIVERSAL)) {
                throw FormatError("content-type attribute must hold one OID");
            }
            out.content_type = decode_oid(value);
        } else if (type == k_oid_message_digest) {
            if (!single || !value.is_a(Botan::OCTET_STRING, Botan::UNIVERSAL)) {
                throw FormatError("message-digest attribute must hold one OCTET STRING");
            }
            out.message_digest = Bytes(value.bits(), value.bits() + value.length());
        } else if (type == k_oid_signing_certificate_v2) {
            if (!single || !value.is_a(Botan::SEQUENCE, constructed(Botan::UNIVERSAL))) {
                throw FormatError("signing-certificate-v2 attribute must hold one SEQUENCE");
            }
            out.signing_certificate_v2 = reencode(value, Botan::SEQUENCE, constructed(Botan::UNIVERSAL));
        }
    }
    return out;
}

struct SignerIdentifier {
    std::optional<Botan::X509_DN> issuer;
    std::optional<Botan::BigInt> serial;
    std::optional<Bytes> subject_key_id;
};

bool matches(const SignerIdentifier& sid, const Botan::X509_Certificate& cert) {
    if (sid.subject_key_id) {
        return *sid.subject_key_id == cert.subject_key_id();
    }
    return sid.issuer && sid.serial && *sid.issuer == cert.issuer_dn() &&
           *sid.serial == Botan::BigInt(cert.serial_number());
}

// Checks the first ESSCertIDv2 against the signer certificate (RFC 5035 §5.4.1: the first identifies the
// signing certificate). Returns an empty string when it matches, else why not.
std::string check_signing_certificate_v2(const Bytes& value_der, const Botan::X509_Certificate& cert) {
    Botan::BER_Decoder top(value_der);
    Botan::BER_Object sc =
        expect(top, Botan::SEQUENCE, constructed(Botan::UNIVERSAL), "SigningCertificateV2");
    Botan::BER_Decoder sc_dec(sc);
    Botan::BER_Object certs = expect(sc_dec, Botan::SEQUENCE, constructed(Botan::UNIVERSAL), "certs");
    Botan::BER_Decoder certs_dec(certs);
    Botan::BER_Object id = expect(certs_dec, Botan::SEQUENCE, constructed(Botan::UNIVERSAL), "ESSCertIDv2");
    Botan::BER_Decoder id_dec(id);

    std::string hash_name = "SHA-256";
    Botan::BER_Object item = next(id_dec, "certHash");
    if (item.is_a(Botan::SEQUENCE, constructed(Botan::UNIVERSAL))) {
        id_dec.push_back(std::move(item));
        const Botan::AlgorithmIdentifier alg = decode_algorithm(id_dec, "hashAlgorithm");
        hash_name = Botan::OIDS::oid2str_or_empty(alg.get_oid());
        item = next(id_dec, "certHash");
    }
    if (!item.is_a(Botan::OCTET_STRING, Botan::UNIVERSAL)) {
        throw FormatError("certHash is not an OCTET STRING");
    }
    const Bytes cert_hash(item.bits(), item.bits() + item.length());
    if (hash_name != "SHA-256" && hash_name != "SHA-384" && hash_name != "SHA-512") {
        return "unsupported ESSCertIDv2 hash algorithm";
    }
    auto hash = Botan::HashFunction::create_or_throw(hash_name);
    const Bytes der = certificate_der(cert);
    hash->update(der.data(), der.size());
    const auto expected = hash->final();
    if (cert_hash.size() != expected.size() ||
        !std::equal(cert_hash.begin(), cert_hash.end(), expected.begin())) {
        return "signing-certificate-v2 hash does not match the signer certificate";
    }

    if (has_more(id_dec)) {
        Botan::BER_Object issuer_serial =
            expect(id_dec, Botan::SEQUENCE, constructed(Botan::UNIVERSAL), "IssuerSerial");
        Botan::BER_Decoder is_dec(issuer_serial);
        Botan::BER_Object names =
            expect(is_dec, Botan::SEQUENCE, constructed(Botan::UNIVERSAL), "GeneralNames");
        Botan::BigInt serial;
        is_dec.decode(serial);
        bool issuer_found = false;
        Botan::BER_Decoder names_dec(names);
        while (has_more(names_dec)) {
            Botan::BER_Object name = names_dec.get_next_object();
            if (name.is_a(4, constructed(Botan::CONTEXT_SPECIFIC))) {
                Botan::BER_Decoder dn_dec(name);
                Botan::X509_DN dn;
                dn_dec.decode(dn);
                expect_end(dn_dec, "directoryName");
                issuer_found = issuer_found || dn == cert.issuer_dn();
            }
        }
        if (!issuer_found || serial != Botan::BigInt(cert.serial_number())) {
            return "signing-certificate-v2 issuerSerial does not match the signer certificate";
        }
    }
    return {};
}

struct ParsedSignedData {
    std::vector<Botan::X509_Certificate> certificates;
    SignerIdentifier sid;
    Botan::AlgorithmIdentifier digest_algorithm;
    std::optional<ParsedAttributes> attributes;
    Botan::AlgorithmIdentifier signature_algorithm;
    Bytes signature;
};

ParsedSignedData parse_cms(const Bytes& der) {
    ParsedSignedData out;
    Botan::BER_Decoder top(der);
    Botan::BER_Object ci = expect(top, Botan::SEQUENCE, constructed(Botan::UNIVERSAL), "ContentInfo");
    expect_end(top, "ContentInfo");
    Botan::BER_Decoder ci_dec(ci);
    if (decode_oid(expect(ci_dec, Botan::OBJECT_ID, Botan::UNIVERSAL, "contentType")) != k_oid_signed_data) {
        throw FormatError("ContentInfo is not SignedData");
    }
    Botan::BER_Object explicit0 =
        expect(ci_dec, Botan::ASN1_Tag(0), constructed(Botan::CONTEXT_SPECIFIC), "content");
    expect_end(ci_dec, "content");
    Botan::BER_Decoder wrapper(explicit0);
    Botan::BER_Object sd = expect(wrapper, Botan::SEQUENCE, constructed(Botan::UNIVERSAL), "SignedData");
    expect_end(wrapper, "SignedData");

    Botan::BER_Decoder sd_dec(sd);
    std::size_t version = 0;
    sd_dec.decode(version);
    if (version < 1 || version > 5) {
        throw FormatError("unsupported SignedData version");
    }
    expect(sd_dec, Botan::SET, constructed(Botan::UNIVERSAL), "digestAlgorithms");
    Botan::BER_Object encap =
        expect(sd_dec, Botan::SEQUENCE, constructed(Botan::UNIVERSAL), "encapContentInfo");
    {
        Botan::BER_Decoder encap_dec(encap);
        if (decode_oid(expect(encap_dec, Botan::OBJECT_ID, Botan::UNIVERSAL, "eContentType")) != k_oid_data) {
            throw FormatError("eContentType is not id-data");
        }
        if (has_more(encap_dec)) {
            throw FormatError("SignedData is not detached (it carries eContent)");
        }
    }

    Botan::BER_Object item = next(sd_dec, "signerInfos");
    if (item.is_a(0, constructed(Botan::CONTEXT_SPECIFIC))) {
        Botan::BER_Decoder certs(item);
        while (has_more(certs)) {
            Botan::BER_Object cert_obj = certs.get_next_object();
            // Other CertificateChoices (attribute certificates, other formats) are skipped.
            if (cert_obj.is_a(Botan::SEQUENCE, constructed(Botan::UNIVERSAL))) {
                const Bytes cert_der = reencode(cert_obj, Botan::SEQUENCE, constructed(Botan::UNIVERSAL));
                Botan::DataSource_Memory source(cert_der);
                out.certificates.emplace_back(source);
            }
        }
        item = next(sd_dec, "signerInfos");
    }
    if (item.is_a(1, constructed(Botan::CONTEXT_SPECIFIC))) { // crls: not used, revocation is out of scope
        item = next(sd_dec, "signerInfos");
    }
    if (!item.is_a(Botan::SET, constructed(Botan::UNIVERSAL))) {
        throw FormatError("unexpected tag for signerInfos");
    }
    expect_end(sd_dec, "signerInfos");

    Botan::BER_Decoder infos(item);
    Botan::BER_Object si = expect(infos, Botan::SEQUENCE, constructed(Botan::UNIVERSAL), "SignerInfo");
    if (has_more(infos)) {
        throw FormatError("more than one SignerInfo (a PDF signature has exactly one)");
    }

    Botan::BER_Decoder si_dec(si);
    std::size_t si_version = 0;
    si_dec.decode(si_version);
    Botan::BER_Object sid = next(si_dec, "sid");
    if (sid.is_a(Botan::SEQUENCE, constructed(Botan::UNIVERSAL))) {
        Botan::BER_Decoder isn(sid);
        Botan::X509_DN issuer;
        Botan::BigInt serial;
        isn.decode(issuer).decode(serial);
        expect_end(isn, "issuerAndSerialNumber");
        out.sid.issuer = issuer;
        out.sid.serial = serial;
    } else if (sid.is_a(0, Botan::CONTEXT_SPECIFIC)) {
        out.sid.subject_key_id = Bytes(sid.bits(), sid.bits() + sid.length());
    } else {
        throw FormatError("unexpected tag for sid");
    }
    out.digest_algorithm = decode_algorithm(si_dec, "digestAlgorithm");
    Botan::BER_Object attrs = next(si_dec, "signatureAlgorithm");
    if (attrs.is_a(0, constructed(Botan::CONTEXT_SPECIFIC))) {
        out.attributes = parse_signed_attributes(attrs);
    } else {
        si_dec.push_back(std::move(attrs));
    }
    out.signature_algorithm = decode_algorithm(si_dec, "signatureAlgorithm");
    Botan::BER_Object sig = expect(si_dec, Botan::OCTET_STRING, Botan::UNIVERSAL, "signature");
    out.signature.assign(sig.bits(), sig.bits() + sig.length());
    if (has_more(si_dec)) {
        expect(si_dec, Botan::ASN1_Tag(1), constructed(Botan::CONTEXT_SPECIFIC), "unsignedAttrs");
    }
    expect_end(si_dec, "SignerInfo");
    return out;
}

bool signature_algorithm_fits(const Botan::OID& oid, KeyType type) {
    if (type == KeyType::ecdsa_p256) {
        return oid == k_oid_ecdsa_sha256 || oid == k_oid_ec_public_key;
    }
    return oid == k_oid_rsa || oid == k_oid_rsa_sha256;
}

void check_chain(const Botan::X509_Certificate& signer, const std::vector<Botan::X509_Certificate>& carried,
                 const CmsVerifyOptions& options, CmsVerification& report) {
    auto roots = load_certificates(options.trusted_roots_pem);
    if (!roots) {
        report.chain = CheckState::failed;
        report.chain_detail = roots.error().message;
        report.problems.push_back("trusted root: " + roots.error().message);
        return;
    }
    Botan::Certificate_Store_In_Memory store;
    for (const auto& root : *roots) {
        store.add_certificate(root);
    }
    std::vector<Botan::X509_Certificate> path{signer};
    for (const auto& cert : carried) {
        if (!(cert == signer)) {
            path.push_back(cert);
        }
    }
    const auto when =
        options.validation_time
            ? std::chrono::system_clock::time_point(std::chrono::seconds(*options.validation_time))
            : std::chrono::system_clock::now();
    // Revocation is not checked offline (no CRL or OCSP is embedded); 110 bits is Botan's default floor.
    const Botan::Path_Validation_Restrictions restrictions(false, 110);
    const Botan::Path_Validation_Result result =
        Botan::x509_path_validate(path, restrictions, store, "", Botan::Usage_Type::UNSPECIFIED, when);
    report.chain_detail = result.result_string();
    if (!result.successful_validation()) {
        report.chain = CheckState::failed;
        report.problems.push_back("certificate chain: " + result.result_string());
        return;
    }
    // RFC 5280 §4.2.1.3: a certificate that states key usages must allow signing for a document signature.
    const Botan::Key_Constraints usage = signer.constraints();
    if (usage != Botan::NO_CONSTRAINTS &&
        (usage & (Botan::DIGITAL_SIGNATURE | Botan::NON_REPUDIATION)) == 0) {
        report.chain = CheckState::failed;
        report.chain_detail = "key usage does not allow signing";
        report.problems.push_back("certificate chain: signer key usage does not allow signing");
        return;
    }
    report.chain = CheckState::passed;
}

Result<KeyType> key_for_certificate(const Botan::Private_Key& key, const Botan::X509_Certificate& cert) {
    auto type = classify_key(key);
    if (!type) {
        return type;
    }
    try {
        const auto cert_key = cert.load_subject_public_key();
        if (cert_key->algo_name() != key.algo_name() ||
            cert_key->public_key_bits() != key.public_key_bits()) {
            return make_error(Errc::invalid_input, "the private key does not belong to the certificate");
        }
    } catch (const std::exception& e) {
        return make_error(Errc::invalid_input, std::string("certificate key does not load: ") + e.what());
    }
    return type;
}

Result<Bytes> sign_with(const Botan::Private_Key& key, KeyType type, const Bytes& message) {
    try {
        const SignatureScheme scheme = scheme_for(type);
        Botan::System_RNG rng;
        Botan::PK_Signer signer(key, rng, scheme.padding, scheme.format);
        return signer.sign_message(message, rng);
    } catch (const std::exception& e) {
        return make_error(Errc::internal, std::string("signing failed: ") + e.what());
    }
}

} // namespace

const char* to_string(CheckState state) noexcept {
    switch (state) {
    case CheckState::passed:
        return "passed";
    case CheckState::failed:
        return "failed";
    case CheckState::not_checked:
        return "not checked";
    }
    return "not checked";
}

bool CmsVerification::ok() const noexcept {
    return content_type == CheckState::passed && message_digest == CheckState::passed &&
           signature == CheckState::passed &&
           (!signing_certificate_present || signing_certificate == CheckState::passed) &&
           chain != CheckState::failed;
}

Result<CertificateInfo> describe_certificate(const std::string& certificate_pem) {
    auto cert = KV_TRY_VALUE(load_certificate(certificate_pem));
    return describe(cert);
}

Result<std::vector<std::string>> split_certificate_bundle(const std::string& pem_bundle) {
    static constexpr std::string_view k_begin = "-----BEGIN CERTIFICATE-----";
    static constexpr std::string_view k_end = "-----END CERTIFICATE-----";
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (true) {
        const std::size_t begin = pem_bundle.find(k_begin, pos);
        if (begin == std::string::npos) {
            break;
        }
        const std::size_t end = pem_bundle.find(k_end, begin);
        if (end == std::string::npos) {
            return make_error(Errc::invalid_input, "unterminated PEM certificate block");
        }
        std::string block = pem_bundle.substr(begin, end + k_end.size() - begin) + "\n";
        auto cert = KV_TRY_VALUE(load_certificate(block));
        out.push_back(std::move(block));
        pos = end + k_end.size();
    }
    if (out.empty()) {
        return make_error(Errc::invalid_input, "no PEM certificate found");
    }
    return out;
}

Status cms_check_signer(const Secret& private_key_pem, const std::string& certificate_pem) {
    auto cert = KV_TRY_VALUE(load_certificate(certificate_pem));
    auto key = KV_TRY_VALUE(load_private_key(private_key_pem));
    KV_TRY(key_for_certificate(*key, cert));
    return {};
}

Result<Bytes> cms_signed_attributes(const Digest& content_digest, const std::string& certificate_pem) {
    auto cert = KV_TRY_VALUE(load_certificate(certificate_pem));
    try {
        return build_signed_attributes(content_digest, cert);
    } catch (const std::exception& e) {
        return make_error(Errc::internal, std::string("encoding signed attributes failed: ") + e.what());
    }
}

Result<Bytes> cms_sign_attributes(const Bytes& signed_attributes, const Secret& private_key_pem) {
    if (signed_attributes.empty() || signed_attributes.front() != 0x31) {
        return make_error(Errc::invalid_input, "signed attributes must be a DER SET");
    }
    auto key = KV_TRY_VALUE(load_private_key(private_key_pem));
    auto type = KV_TRY_VALUE(classify_key(*key));
    return sign_with(*key, type, signed_attributes);
}

Result<Bytes> cms_assemble(const Digest& content_digest, const std::string& certificate_pem,
                           const std::vector<std::string>& chain_pem, const Bytes& signature) {
    auto cert = KV_TRY_VALUE(load_certificate(certificate_pem));
    auto chain = KV_TRY_VALUE(load_certificates(chain_pem));
    try {
        const auto public_key = cert.load_subject_public_key();
        auto type = KV_TRY_VALUE(classify_key(*public_key));
        const Bytes attributes = build_signed_attributes(content_digest, cert);
        if (!verify_raw_signature(*public_key, type, attributes, signature)) {
            return make_error(
                Errc::invalid_input,
                "the signature does not verify over the signed attributes with the certificate's key");
        }
        return encode_content_info(attributes, signature, type, cert, chain);
    } catch (const std::exception& e) {
        return make_error(Errc::invalid_input, std::string("assembling CMS failed: ") + e.what());
    }
}

Result<Bytes> cms_sign(const Digest& content_digest, const Secret& private_key_pem,
                       const std::string& certificate_pem, const std::vector<std::string>& chain_pem) {
    auto cert = KV_TRY_VALUE(load_certificate(certificate_pem));
    auto chain = KV_TRY_VALUE(load_certificates(chain_pem));
    auto key = KV_TRY_VALUE(load_private_key(private_key_pem));
    auto type = KV_TRY_VALUE(key_for_certificate(*key, cert));
    try {
        const Bytes attributes = build_signed_attributes(content_digest, cert);
        auto signature = KV_TRY_VALUE(sign_with(*key, type, attributes));
        return encode_content_info(attributes, signature, type, cert, chain);
    } catch (const std::exception& e) {
        return make_error(Errc::internal, std::string("CMS encoding failed: ") + e.what());
    }
}

Result<CmsVerification> cms_verify(const Bytes& cms_der, const Digest& content_digest,
                                   const CmsVerifyOptions& options) {
    ParsedSignedData parsed;
    try {
        parsed = parse_cms(cms_der);
    } catch (const std::exception& e) {
        return make_error(Errc::invalid_input, std::string("malformed CMS: ") + e.what());
    }
    if (!parsed.attributes) {
        return make_error(Errc::invalid_input, "CMS without signed attributes is not supported");
    }
    if (parsed.digest_algorithm.get_oid() != k_oid_sha256) {
        return make_error(Errc::invalid_input, "unsupported digest algorithm " +
                                                   parsed.digest_algorithm.get_oid().to_string() +
                                                   " (SHA-256 only)");
    }

    CmsVerification report;
    for (const auto& cert : parsed.certificates) {
        report.certificates.push_back(describe(cert));
    }

    const ParsedAttributes& attrs = *parsed.attributes;
    if (attrs.content_type && *attrs.content_type == k_oid_data) {
        report.content_type = CheckState::passed;
    } else {
        report.content_type = CheckState::failed;
        report.problems.push_back("content-type attribute is missing or not id-data");
    }
    if (attrs.message_digest && attrs.message_digest->size() == content_digest.size() &&
        std::equal(content_digest.begin(), content_digest.end(), attrs.message_digest->begin())) {
        report.message_digest = CheckState::passed;
    } else {
        report.message_digest = CheckState::failed;
        report.problems.push_back("message digest does not match the signed content");
    }

    const auto signer = std::find_if(parsed.certificates.begin(), parsed.certificates.end(),
                                     [&](const auto& cert) { return matches(parsed.sid, cert); });
    if (signer == parsed.certificates.end()) {
        report.signature = CheckState::failed;
        report.problems.push_back("the signer certificate is not in the CMS");
        return report;
    }
    report.signer = describe(*signer);

    try {
        const auto public_key = signer->load_subject_public_key();
        auto type = classify_key(*public_key);
        if (!type) {
            report.signature = CheckState::failed;
            report.problems.push_back(type.error().message);
        } else if (!signature_algorithm_fits(parsed.signature_algorithm.get_oid(), *type)) {
            report.signature = CheckState::failed;
            report.problems.push_back("unsupported signature algorithm " +
                                      parsed.signature_algorithm.get_oid().to_string());
        } else if (verify_raw_signature(*public_key, *type, attrs.der_set, parsed.signature)) {
            report.signature = CheckState::passed;
        } else {
            report.signature = CheckState::failed;
            report.problems.push_back("signature does not verify with the signer certificate");
        }
    } catch (const std::exception& e) {
        report.signature = CheckState::failed;
        report.problems.push_back(std::string("signature check failed: ") + e.what());
    }

    if (attrs.signing_certificate_v2) {
        report.signing_certificate_present = true;
        try {
            const std::string why = check_signing_certificate_v2(*attrs.signing_certificate_v2, *signer);
            report.signing_certificate = why.empty() ? CheckState::passed : CheckState::failed;
            if (!why.empty()) {
                report.problems.push_back(why);
            }
        } catch (const std::exception& e) {
            report.signing_certificate = CheckState::failed;
            report.problems.push_back(std::string("malformed signing-certificate-v2: ") + e.what());
        }
    }

    if (!options.trusted_roots_pem.empty()) {
        try {
            check_chain(*signer, parsed.certificates, options, report);
        } catch (const std::exception& e) {
            report.chain = CheckState::failed;
            report.problems.push_back(std::string("certificate chain check failed: ") + e.what());
        }
    }
    return report;
}

} // namespace kinvault::crypto
