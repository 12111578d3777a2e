#include "services/signing/envelope.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <array>
#include <sstream>

namespace kinvault::services {

namespace {

template <typename E, std::size_t N>
std::string_view name_in(const std::array<std::pair<E, std::string_view>, N>& t, E v) {
    for (const auto& [e, n] : t) {
        if (e == v) {
            return n;
        }
    }
    return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> parse_in(const std::array<std::pair<E, std::string_view>, N>& t, std::string_view s) {
    for (const auto& [e, n] : t) {
        if (n == s) {
            return e;
        }
    }
    return std::nullopt;
}

constexpr std::array<std::pair<EnvelopeState, std::string_view>, 6> k_env_states{{
    {EnvelopeState::draft, "draft"},
    {EnvelopeState::sent, "sent"},
    {EnvelopeState::completed, "completed"},
    {EnvelopeState::declined, "declined"},
    {EnvelopeState::voided, "voided"},
    {EnvelopeState::expired, "expired"},
}};

constexpr std::array<std::pair<SignerState, std::string_view>, 6> k_signer_states{{
    {SignerState::waiting, "waiting"},
    {SignerState::notified, "notified"},
    {SignerState::viewed, "viewed"},
    {SignerState::consented, "consented"},
    {SignerState::completed, "signed"},
    {SignerState::declined, "declined"},
}};

constexpr std::array<std::pair<pdf::FieldKind, std::string_view>, 5> k_kinds{{
    {pdf::FieldKind::signature, "signature"},
    {pdf::FieldKind::initials, "initials"},
    {pdf::FieldKind::date, "date"},
    {pdf::FieldKind::text, "text"},
    {pdf::FieldKind::checkbox, "checkbox"},
}};

using Obj = Poco::JSON::Object::Ptr;

std::string s(const Obj& o, const char* k) {
    return o->optValue<std::string>(k, "");
}
std::int64_t i(const Obj& o, const char* k) {
    return o->optValue<Poco::Int64>(k, 0);
}
double d(const Obj& o, const char* k) {
    return o->optValue<double>(k, 0.0);
}
bool b(const Obj& o, const char* k) {
    return o->optValue<bool>(k, false);
}

constexpr std::array<std::pair<EnvelopeCapacity, std::string_view>, 7> k_capacities{{
    {EnvelopeCapacity::self, "self"},
    {EnvelopeCapacity::parent_legal_custody, "parent_legal_custody"},
    {EnvelopeCapacity::guardian, "guardian"},
    {EnvelopeCapacity::minor_self, "minor_self"},
    {EnvelopeCapacity::clinician, "clinician"},
    {EnvelopeCapacity::counsel, "counsel"},
    {EnvelopeCapacity::witness, "witness"},
}};

} // namespace

std::optional<EnvelopeCapacity> parse_envelope_capacity(std::string_view text) {
    if (text == "parent_with_legal_custody") {
        return EnvelopeCapacity::parent_legal_custody;
    }
    if (text == "minor_for_self") {
        return EnvelopeCapacity::minor_self;
    }
    return parse_in(k_capacities, text);
}

std::string_view to_string(EnvelopeCapacity c) {
    return name_in(k_capacities, c);
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
    return name_in(k_env_states, st);
}
std::string_view to_string(SignerState st) {
    return name_in(k_signer_states, st);
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

// Long because it writes every field of the record, one line each, in a fixed order.
std::string encode_envelope(const Envelope& e) {
    Poco::JSON::Object o;
    o.set("id", e.id);
    o.set("case_id", e.case_id);
    o.set("document_id", e.document_id);
    o.set("title", e.title);
    o.set("template_name", e.template_name);
    o.set("template_version", e.template_version);
    o.set("purpose", e.purpose);
    o.set("roi_id", e.roi_id);
    o.set("process_mode", e.process_mode);
    o.set("state", std::string(to_string(e.state)));
    o.set("created_by", e.created_by);
    o.set("created_by_name", e.created_by_name);
    o.set("created_at", e.created_at);
    o.set("sent_at", e.sent_at);
    o.set("expires_at", e.expires_at);
    o.set("completed_at", e.completed_at);
    o.set("expires_in_days", e.expires_in_days);
    o.set("base_version", e.base_version);
    o.set("current_version", e.current_version);
    o.set("sha256_before", e.sha256_before);
    o.set("sha256_after", e.sha256_after);
    o.set("sha256_sealed", e.sha256_sealed);
    o.set("certificate_document_id", e.certificate_document_id);
    o.set("void_reason", e.void_reason);
    Poco::JSON::Array::Ptr hashes = new Poco::JSON::Array();
    for (const auto& h : e.signed_version_hashes) {
        hashes->add(h);
    }
    o.set("signed_version_hashes", hashes);
    Poco::JSON::Array::Ptr signers = new Poco::JSON::Array();
    for (const auto& x : e.signers) {
        Obj so = new Poco::JSON::Object();
        so->set("slot", x.slot);
        so->set("party_id", x.party_id);
        so->set("name", x.name);
        so->set("email", x.email);
        so->set("role", x.role);
        so->set("capacity", x.capacity);
        so->set("authority", x.authority);
        so->set("group", x.group);
        so->set("state", std::string(to_string(x.state)));
        so->set("notified_at", x.notified_at);
        so->set("viewed_at", x.viewed_at);
        so->set("consented_at", x.consented_at);
        so->set("disclosure_version", x.disclosure_version);
        so->set("signed_at", x.signed_at);
        so->set("viewed_sha256", x.viewed_sha256);
        so->set("signature_id", x.signature_id);
        so->set("signature_field", x.signature_field);
        so->set("certificate_fingerprint", x.certificate_fingerprint);
        so->set("signing_mode", x.signing_mode);
        so->set("auth_method", x.auth_method);
        so->set("client_address", x.client_address);
        so->set("user_agent", x.user_agent);
        so->set("typed_signature", x.typed_signature);
        so->set("drawn_signature", x.drawn_signature);
        so->set("decline_reason", x.decline_reason);
        signers->add(so);
    }
    o.set("signers", signers);
    Poco::JSON::Array::Ptr fields = new Poco::JSON::Array();
    for (const auto& f : e.fields) {
        Obj fo = new Poco::JSON::Object();
        fo->set("name", f.placement.name);
        fo->set("kind", std::string(name_in(k_kinds, f.placement.kind)));
        fo->set("signer", f.placement.signer);
        fo->set("page", f.placement.page);
        fo->set("x", f.placement.rect.x);
        fo->set("y", f.placement.rect.y);
        fo->set("width", f.placement.rect.width);
        fo->set("height", f.placement.rect.height);
        fo->set("value", f.value);
        fo->set("checked", f.checked);
        fields->add(fo);
    }
    o.set("fields", fields);
    Poco::JSON::Array::Ptr events = new Poco::JSON::Array();
    for (const auto& ev : e.events) {
        Obj eo = new Poco::JSON::Object();
        eo->set("at", ev.at);
        eo->set("type", ev.type);
        eo->set("slot", ev.slot);
        eo->set("actor", ev.actor);
        eo->set("client_address", ev.client_address);
        eo->set("user_agent", ev.user_agent);
        eo->set("auth_method", ev.auth_method);
        eo->set("detail", ev.detail);
        events->add(eo);
    }
    o.set("events", events);
    std::ostringstream out;
    o.stringify(out);
    return out.str();
}

// Long because it reads every field of the record, one line each; only the enumerations are checked.
Result<Envelope> decode_envelope(const std::string& json) {
    try {
        Poco::JSON::Parser parser;
        const Obj o = parser.parse(json).extract<Obj>();
        Envelope e;
        e.id = s(o, "id");
        e.case_id = s(o, "case_id");
        e.document_id = s(o, "document_id");
        e.title = s(o, "title");
        e.template_name = s(o, "template_name");
        e.template_version = s(o, "template_version");
        e.purpose = s(o, "purpose");
        e.roi_id = s(o, "roi_id");
        e.process_mode = s(o, "process_mode");
        e.state = parse_in(k_env_states, s(o, "state")).value_or(EnvelopeState::draft);
        e.created_by = s(o, "created_by");
        e.created_by_name = s(o, "created_by_name");
        e.created_at = i(o, "created_at");
        e.sent_at = i(o, "sent_at");
        e.expires_at = i(o, "expires_at");
        e.completed_at = i(o, "completed_at");
        e.expires_in_days = i(o, "expires_in_days");
        e.base_version = i(o, "base_version");
        e.current_version = i(o, "current_version");
        e.sha256_before = s(o, "sha256_before");
        e.sha256_after = s(o, "sha256_after");
        e.sha256_sealed = s(o, "sha256_sealed");
        e.certificate_document_id = s(o, "certificate_document_id");
        e.void_reason = s(o, "void_reason");
        if (auto a = o->getArray("signed_version_hashes")) {
            for (const auto& v : *a) {
                e.signed_version_hashes.push_back(v.convert<std::string>());
            }
        }
        if (auto a = o->getArray("signers")) {
            for (const auto& v : *a) {
                const Obj so = v.extract<Obj>();
                EnvelopeSigner x;
                x.slot = s(so, "slot");
                x.party_id = s(so, "party_id");
                x.name = s(so, "name");
                x.email = s(so, "email");
                x.role = s(so, "role");
                x.capacity = s(so, "capacity");
                // Empty: not recorded (a record made outside create()); anything else must be a name.
                if (!x.capacity.empty() && !parse_envelope_capacity(x.capacity)) {
                    return make_error(Errc::integrity,
                                      "an envelope record names an unrecognised signer capacity");
                }
                x.authority = s(so, "authority");
                x.group = static_cast<int>(i(so, "group"));
                x.state = parse_in(k_signer_states, s(so, "state")).value_or(SignerState::waiting);
                x.notified_at = i(so, "notified_at");
                x.viewed_at = i(so, "viewed_at");
                x.consented_at = i(so, "consented_at");
                x.disclosure_version = s(so, "disclosure_version");
                x.signed_at = i(so, "signed_at");
                x.viewed_sha256 = s(so, "viewed_sha256");
                x.signature_id = s(so, "signature_id");
                x.signature_field = s(so, "signature_field");
                x.certificate_fingerprint = s(so, "certificate_fingerprint");
                x.signing_mode = s(so, "signing_mode");
                x.auth_method = s(so, "auth_method");
                x.client_address = s(so, "client_address");
                x.user_agent = s(so, "user_agent");
                x.typed_signature = s(so, "typed_signature");
                x.drawn_signature = b(so, "drawn_signature");
                x.decline_reason = s(so, "decline_reason");
                e.signers.push_back(std::move(x));
            }
        }
        if (auto a = o->getArray("fields")) {
            for (const auto& v : *a) {
                const Obj fo = v.extract<Obj>();
                EnvelopeField f;
                f.placement.name = s(fo, "name");
                f.placement.kind = parse_in(k_kinds, s(fo, "kind")).value_or(pdf::FieldKind::text);
                f.placement.signer = s(fo, "signer");
                f.placement.page = static_cast<int>(i(fo, "page"));
                f.placement.rect = {d(fo, "x"), d(fo, "y"), d(fo, "width"), d(fo, "height")};
                f.value = s(fo, "value");
                f.checked = b(fo, "checked");
                e.fields.push_back(std::move(f));
            }
        }
        if (auto a = o->getArray("events")) {
            for (const auto& v : *a) {
                const Obj eo = v.extract<Obj>();
                e.events.push_back({i(eo, "at"), s(eo, "type"), s(eo, "slot"), s(eo, "actor"),
                                    s(eo, "client_address"), s(eo, "user_agent"), s(eo, "auth_method"),
                                    s(eo, "detail")});
            }
        }
        return e;
    } catch (const Poco::Exception& ex) {
        return make_error(Errc::integrity, "an envelope record is damaged: " + ex.displayText());
    }
}

} // namespace kinvault::services
