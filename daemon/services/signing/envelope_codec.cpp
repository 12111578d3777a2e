#include "services/signing/envelope.h"

#include "common/enum_names.h"
#include "json/reader.h"
#include "json/writer.h"

#include <limits>

namespace kinvault::services {

namespace {

constexpr EnumNames<EnvelopeState, 6> k_env_states{{
    {EnvelopeState::draft, "draft"},
    {EnvelopeState::sent, "sent"},
    {EnvelopeState::completed, "completed"},
    {EnvelopeState::declined, "declined"},
    {EnvelopeState::voided, "voided"},
    {EnvelopeState::expired, "expired"},
}};

constexpr EnumNames<SignerState, 6> k_signer_states{{
    {SignerState::waiting, "waiting"},
    {SignerState::notified, "notified"},
    {SignerState::viewed, "viewed"},
    {SignerState::consented, "consented"},
    {SignerState::completed, "signed"},
    {SignerState::declined, "declined"},
}};

constexpr EnumNames<pdf::FieldKind, 5> k_kinds{{
    {pdf::FieldKind::signature, "signature"},
    {pdf::FieldKind::initials, "initials"},
    {pdf::FieldKind::date, "date"},
    {pdf::FieldKind::text, "text"},
    {pdf::FieldKind::checkbox, "checkbox"},
}};

constexpr EnumNames<EnvelopeCapacity, 7> k_capacities{{
    {EnvelopeCapacity::self, "self"},
    {EnvelopeCapacity::parent_legal_custody, "parent_legal_custody"},
    {EnvelopeCapacity::guardian, "guardian"},
    {EnvelopeCapacity::minor_self, "minor_self"},
    {EnvelopeCapacity::clinician, "clinician"},
    {EnvelopeCapacity::counsel, "counsel"},
    {EnvelopeCapacity::witness, "witness"},
}};

// Every field of the record is optional and typed: absent or null reads as the empty value, a value of the
// wrong kind is a problem (the record is damaged).
struct Fields {
    json::Object& o;
    std::string s(std::string_view k) { return o.optional_string(k).value_or(std::string()); }
    std::int64_t i(std::string_view k) { return o.optional_integer(k).value_or(0); }
    int small(std::string_view k) {
        return static_cast<int>(
            o.optional_integer(k, std::numeric_limits<int>::min(), std::numeric_limits<int>::max())
                .value_or(0));
    }
    double d(std::string_view k) { return o.optional_number(k).value_or(0.0); }
    bool b(std::string_view k) { return o.optional_bool(k).value_or(false); }
};

} // namespace

std::optional<EnvelopeCapacity> parse_envelope_capacity(std::string_view text) {
    if (text == "parent_with_legal_custody") {
        return EnvelopeCapacity::parent_legal_custody;
    }
    if (text == "minor_for_self") {
        return EnvelopeCapacity::minor_self;
    }
    return enum_value(k_capacities, text);
}

std::string_view to_string(EnvelopeCapacity c) {
    return enum_name(k_capacities, c);
}

std::string capacity_words(EnvelopeCapacity c) {
    switch (c) {
    case EnvelopeCapacity::self:
        return "for themself";
    case EnvelopeCapacity::parent_legal_custody:
        return "parent with legal custody";
    case EnvelopeCapacity::minor_self:
        return "minor for self";
    case EnvelopeCapacity::guardian:
    case EnvelopeCapacity::clinician:
    case EnvelopeCapacity::counsel:
    case EnvelopeCapacity::witness:
        break;
    }
    return std::string(to_string(c));
}

std::string capacity_words(const EnvelopeSigner& s) {
    const auto c = parse_envelope_capacity(s.capacity);
    return c ? capacity_words(*c) : s.capacity;
}

bool signs_for_another(EnvelopeCapacity c) {
    return c == EnvelopeCapacity::parent_legal_custody || c == EnvelopeCapacity::guardian;
}

std::string_view to_string(EnvelopeState st) {
    return enum_name(k_env_states, st);
}
std::string_view to_string(SignerState st) {
    return enum_name(k_signer_states, st);
}

int current_group(const Envelope& e) {
    int group = 0;
    for (const auto& sgn : e.signers) {
        if (sgn.state != SignerState::completed && (group == 0 || sgn.group < group)) {
            group = sgn.group;
        }
    }
    return group;
}

// Long because it writes every field of the record, one line each. Keys in byte order: records at rest
// have always been written so (the earlier writer kept keys in a sorted map), and a record re-encoded today
// is byte-identical to the one in the vault (tests/unit/services/test_stored_records.cpp).
std::string encode_envelope(const Envelope& e) {
    json::Writer w;
    w.begin_object();
    w.key("base_version").integer(e.base_version);
    w.key("case_id").string(e.case_id);
    w.key("certificate_document_id").string(e.certificate_document_id);
    w.key("completed_at").integer(e.completed_at);
    w.key("created_at").integer(e.created_at);
    w.key("created_by").string(e.created_by);
    w.key("created_by_name").string(e.created_by_name);
    w.key("current_version").integer(e.current_version);
    w.key("document_id").string(e.document_id);
    w.key("events").begin_array();
    for (const auto& ev : e.events) {
        w.begin_object();
        w.key("actor").string(ev.actor);
        w.key("at").integer(ev.at);
        w.key("auth_method").string(ev.auth_method);
        w.key("client_address").string(ev.client_address);
        w.key("detail").string(ev.detail);
        w.key("slot").string(ev.slot);
        w.key("type").string(ev.type);
        w.key("user_agent").string(ev.user_agent);
        w.end_object();
    }
    w.end_array();
    w.key("expires_at").integer(e.expires_at);
    w.key("expires_in_days").integer(e.expires_in_days);
    w.key("fields").begin_array();
    for (const auto& f : e.fields) {
        w.begin_object();
        w.key("checked").boolean(f.checked);
        w.key("height").number(f.placement.rect.height);
        w.key("kind").string(enum_name(k_kinds, f.placement.kind));
        w.key("name").string(f.placement.name);
        w.key("page").integer(f.placement.page);
        w.key("signer").string(f.placement.signer);
        w.key("value").string(f.value);
        w.key("width").number(f.placement.rect.width);
        w.key("x").number(f.placement.rect.x);
        w.key("y").number(f.placement.rect.y);
        w.end_object();
    }
    w.end_array();
    w.key("id").string(e.id);
    w.key("process_mode").string(e.process_mode);
    w.key("purpose").string(e.purpose);
    w.key("roi_id").string(e.roi_id);
    w.key("sent_at").integer(e.sent_at);
    w.key("sha256_after").string(e.sha256_after);
    w.key("sha256_before").string(e.sha256_before);
    w.key("sha256_sealed").string(e.sha256_sealed);
    w.key("signed_version_hashes").begin_array();
    for (const auto& h : e.signed_version_hashes) {
        w.string(h);
    }
    w.end_array();
    w.key("signers").begin_array();
    for (const auto& x : e.signers) {
        w.begin_object();
        w.key("auth_method").string(x.auth_method);
        w.key("authority").string(x.authority);
        w.key("capacity").string(x.capacity);
        w.key("certificate_fingerprint").string(x.certificate_fingerprint);
        w.key("client_address").string(x.client_address);
        w.key("consented_at").integer(x.consented_at);
        w.key("decline_reason").string(x.decline_reason);
        w.key("disclosure_version").string(x.disclosure_version);
        w.key("drawn_signature").boolean(x.drawn_signature);
        w.key("email").string(x.email);
        w.key("group").integer(x.group);
        w.key("name").string(x.name);
        w.key("notified_at").integer(x.notified_at);
        w.key("party_id").string(x.party_id);
        w.key("role").string(x.role);
        w.key("signature_field").string(x.signature_field);
        w.key("signature_id").string(x.signature_id);
        w.key("signed_at").integer(x.signed_at);
        w.key("signing_mode").string(x.signing_mode);
        w.key("slot").string(x.slot);
        w.key("state").string(to_string(x.state));
        w.key("typed_signature").string(x.typed_signature);
        w.key("user_agent").string(x.user_agent);
        w.key("viewed_at").integer(x.viewed_at);
        w.key("viewed_sha256").string(x.viewed_sha256);
        w.end_object();
    }
    w.end_array();
    w.key("state").string(to_string(e.state));
    w.key("template_name").string(e.template_name);
    w.key("template_version").string(e.template_version);
    w.key("title").string(e.title);
    w.key("void_reason").string(e.void_reason);
    w.end_object();
    return std::move(w).take();
}

namespace {

// Empty: not recorded (a record made outside create()); anything else must be a capacity's name.
EnvelopeSigner read_signer(json::Object& so) {
    Fields f{so};
    EnvelopeSigner x;
    x.slot = f.s("slot");
    x.party_id = f.s("party_id");
    x.name = f.s("name");
    x.email = f.s("email");
    x.role = f.s("role");
    x.capacity = f.s("capacity");
    if (!x.capacity.empty() && !parse_envelope_capacity(x.capacity)) {
        so.problems().add(json::child_path(so.path(), "capacity"), "an unrecognised signer capacity");
    }
    x.authority = f.s("authority");
    x.group = f.small("group");
    // States keep the leniency they always had: a name this release does not know reads as the first state.
    x.state = enum_value(k_signer_states, f.s("state")).value_or(SignerState::waiting);
    x.notified_at = f.i("notified_at");
    x.viewed_at = f.i("viewed_at");
    x.consented_at = f.i("consented_at");
    x.disclosure_version = f.s("disclosure_version");
    x.signed_at = f.i("signed_at");
    x.viewed_sha256 = f.s("viewed_sha256");
    x.signature_id = f.s("signature_id");
    x.signature_field = f.s("signature_field");
    x.certificate_fingerprint = f.s("certificate_fingerprint");
    x.signing_mode = f.s("signing_mode");
    x.auth_method = f.s("auth_method");
    x.client_address = f.s("client_address");
    x.user_agent = f.s("user_agent");
    x.typed_signature = f.s("typed_signature");
    x.drawn_signature = f.b("drawn_signature");
    x.decline_reason = f.s("decline_reason");
    return x;
}

EnvelopeField read_field(json::Object& fo) {
    Fields f{fo};
    EnvelopeField x;
    x.placement.name = f.s("name");
    x.placement.kind = enum_value(k_kinds, f.s("kind")).value_or(pdf::FieldKind::text);
    x.placement.signer = f.s("signer");
    x.placement.page = f.small("page");
    x.placement.rect = {f.d("x"), f.d("y"), f.d("width"), f.d("height")};
    x.value = f.s("value");
    x.checked = f.b("checked");
    return x;
}

EnvelopeEvent read_event(json::Object& eo) {
    Fields f{eo};
    EnvelopeEvent ev;
    ev.at = f.i("at");
    ev.type = f.s("type");
    ev.slot = f.s("slot");
    ev.actor = f.s("actor");
    ev.client_address = f.s("client_address");
    ev.user_agent = f.s("user_agent");
    ev.auth_method = f.s("auth_method");
    ev.detail = f.s("detail");
    return ev;
}

// Calls read(item) for every object in the list under `key`.
template <typename F>
void each(json::Object& o, std::string_view key, F read) {
    auto a = o.optional_array(key);
    for (std::size_t n = 0; a && n < a->size(); ++n) {
        json::Object item = a->object(n, json::Keys::any);
        if (item.is_object()) {
            read(item);
        }
    }
}

} // namespace

// Through the strict reader: a record of the wrong shape, not UTF-8, or with a key twice is damaged.
// Keys the record does not know are tolerated (a vault written by another release must open).
Result<Envelope> decode_envelope(const std::string& json) {
    auto parsed = json::parse(json);
    if (!parsed.value) {
        return make_error(Errc::integrity, "an envelope record is damaged: " + parsed.failure.path + ": " +
                                               parsed.failure.problem);
    }
    json::Problems problems;
    Envelope e;
    {
        json::Object o(*parsed.value, problems, "", json::Keys::any);
        Fields f{o};
        e.id = f.s("id");
        e.case_id = f.s("case_id");
        e.document_id = f.s("document_id");
        e.title = f.s("title");
        e.template_name = f.s("template_name");
        e.template_version = f.s("template_version");
        e.purpose = f.s("purpose");
        e.roi_id = f.s("roi_id");
        e.process_mode = f.s("process_mode");
        e.state = enum_value(k_env_states, f.s("state")).value_or(EnvelopeState::draft);
        e.created_by = f.s("created_by");
        e.created_by_name = f.s("created_by_name");
        e.created_at = f.i("created_at");
        e.sent_at = f.i("sent_at");
        e.expires_at = f.i("expires_at");
        e.completed_at = f.i("completed_at");
        e.expires_in_days = f.i("expires_in_days");
        e.base_version = f.i("base_version");
        e.current_version = f.i("current_version");
        e.sha256_before = f.s("sha256_before");
        e.sha256_after = f.s("sha256_after");
        e.sha256_sealed = f.s("sha256_sealed");
        e.certificate_document_id = f.s("certificate_document_id");
        e.void_reason = f.s("void_reason");
        e.signed_version_hashes =
            o.optional_strings("signed_version_hashes").value_or(std::vector<std::string>{});
        each(o, "signers", [&](json::Object& so) { e.signers.push_back(read_signer(so)); });
        each(o, "fields", [&](json::Object& fo) { e.fields.push_back(read_field(fo)); });
        each(o, "events", [&](json::Object& eo) { e.events.push_back(read_event(eo)); });
    }
    if (!problems.empty()) {
        return make_error(Errc::integrity, "an envelope record is damaged: " + problems.summary());
    }
    return e;
}

} // namespace kinvault::services
