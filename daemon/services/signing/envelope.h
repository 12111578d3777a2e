// Envelopes: one document sent for signature to parties in routing groups (parallel inside a group, groups
// in order), with the evidence a court expects (domain.md "E-signature evidence"). Stored as a sealed record.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "pdf/geometry.h"

#include <optional>
#include <string>
#include <vector>

namespace kinvault::services {

enum class EnvelopeState { draft, sent, completed, declined, voided, expired };
enum class SignerState {
    waiting,
    notified,
    viewed,
    consented,
    completed,
    declined
}; // completed prints as "signed"

struct EnvelopeField {
    pdf::FieldPlacement placement; // signer = slot
    std::string value;             // filled at signing
    bool checked{false};
};

struct EnvelopeEvent {
    UnixTime at{0};
    std::string
        type; // sent, opened, consented, field_filled, signed, declined, voided, expired, completed, reminded
    std::string slot; // signer slot, empty for envelope-wide events
    std::string actor;
    std::string client_address;
    std::string user_agent;
    std::string auth_method;
    std::string detail;
};

struct EnvelopeSigner {
    std::string slot;
    std::string party_id;
    std::string name;
    std::string email;
    std::string role;
    std::string capacity; // stored name of an EnvelopeCapacity (parse_envelope_capacity reads it)
    std::string
        authority; // the authority relied on (court order id or custody record), when signing for another
    int group{1};
    SignerState state{SignerState::waiting};
    UnixTime notified_at{0};
    UnixTime viewed_at{0};
    UnixTime consented_at{0};
    std::string disclosure_version;
    UnixTime signed_at{0};
    std::string viewed_sha256;
    std::string signature_id;
    std::string signature_field;
    std::string certificate_fingerprint;
    std::string signing_mode; // "practice-issued key" | "own certificate"
    std::string auth_method;
    std::string client_address;
    std::string user_agent;
    std::string typed_signature;
    bool drawn_signature{false};
    std::string decline_reason;
};

struct Envelope {
    std::string id;
    std::string case_id;
    std::string document_id;
    std::string title;
    std::string template_name;
    std::string template_version;
    std::string purpose;      // agreement | roi | other
    std::string roi_id;       // the ROI this envelope executes, when purpose is roi
    std::string process_mode; // agreement: the mode it sets when executed
    EnvelopeState state{EnvelopeState::draft};
    std::string created_by;
    std::string created_by_name;
    UnixTime created_at{0};
    UnixTime sent_at{0};
    UnixTime expires_at{0};
    UnixTime completed_at{0};
    std::int64_t expires_in_days{14};
    std::int64_t base_version{0};    // the document version sent out (before any signature)
    std::int64_t current_version{0}; // the version the next signature goes on
    std::string sha256_before;
    std::string sha256_after;  // after the last signer, before the practice seal
    std::string sha256_sealed; // the executed document, practice seal included
    std::vector<std::string>
        signed_version_hashes; // every version since sending (what a signer may have viewed)
    std::string certificate_document_id;
    std::vector<EnvelopeSigner> signers;
    std::vector<EnvelopeField> fields;
    std::vector<EnvelopeEvent> events;
    std::string void_reason;
};

// The capacity in which a signer signs. Stored by name; "parent_with_legal_custody" and "minor_for_self"
// are accepted as the template language spells them. An unrecognised name is an error, never `self`.
enum class EnvelopeCapacity { self, parent_legal_custody, guardian, minor_self, clinician, counsel, witness };
[[nodiscard]] std::optional<EnvelopeCapacity> parse_envelope_capacity(std::string_view text);
[[nodiscard]] std::string_view to_string(EnvelopeCapacity c);
// The words a certificate of completion or a signature's reason uses ("parent with legal custody").
[[nodiscard]] std::string capacity_words(EnvelopeCapacity c);
// The words for a signer's stored capacity (the stored text itself if it is no name: decoding refuses such
// records unless the capacity is empty, i.e. was never recorded).
[[nodiscard]] std::string capacity_words(const EnvelopeSigner& s);
// Signing for someone else: the authority relied on must be named.
[[nodiscard]] bool signs_for_another(EnvelopeCapacity c);

[[nodiscard]] std::string_view to_string(EnvelopeState s);
[[nodiscard]] std::string_view to_string(SignerState s);
[[nodiscard]] std::string encode_envelope(const Envelope& e);
[[nodiscard]] Result<Envelope> decode_envelope(const std::string& json);

// The signing group whose turn it is (lowest group with someone still to sign), 0 when none.
[[nodiscard]] int current_group(const Envelope& e);

} // namespace kinvault::services
