#include "services/consent_codec.h"

#include "domain/authority.h"
#include "domain/readiness.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <cctype>
#include <sstream>

namespace kinvault::services {

using Obj = Poco::JSON::Object::Ptr;
using Arr = Poco::JSON::Array::Ptr;

std::string normalise_name(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        out.push_back(c == '_' || c == ' ' ? '-'
                                           : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    // The envelope and the templates spell this capacity out in full.
    if (out == "parent-with-legal-custody") {
        return "parent-legal-custody";
    }
    if (out == "minor-for-self") {
        return "minor-self";
    }
    return out;
}

namespace {

// Every name of a contiguous enum, for error messages ("one of a, b, c").
template <typename E>
std::string names_of() {
    std::string out;
    for (int i = 0; i < 64; ++i) {
        const auto name = domain::to_string(static_cast<E>(i));
        if (name == "unknown") {
            break;
        }
        out += (out.empty() ? "" : ", ") + std::string(name);
    }
    return out;
}

// Reads fields of one JSON object, collecting every problem with its path instead of stopping at the first.
class Reader {
public:
    Reader(Obj obj, std::string path, std::vector<std::string>& errors)
        : m_obj(std::move(obj)), m_path(std::move(path)), m_errors(errors) {}

    [[nodiscard]] bool has(const std::string& key) const {
        return m_obj && m_obj->has(key) && !m_obj->isNull(key);
    }

    std::string str(const std::string& key, bool required = false) {
        if (!has(key)) {
            if (required) {
                fail(key, "is required");
            }
            return {};
        }
        const auto v = m_obj->get(key);
        if (!v.isString()) {
            fail(key, "must be text");
            return {};
        }
        return v.convert<std::string>();
    }

    bool flag(const std::string& key) {
        if (!has(key)) {
            return false;
        }
        const auto v = m_obj->get(key);
        if (v.type() != typeid(bool)) {
            fail(key, "must be true or false");
            return false;
        }
        return v.extract<bool>();
    }

    std::int64_t integer(const std::string& key, std::int64_t fallback) {
        if (!has(key)) {
            return fallback;
        }
        try {
            return m_obj->getValue<Poco::Int64>(key);
        } catch (const Poco::Exception&) {
            fail(key, "must be a whole number");
            return fallback;
        }
    }

    std::optional<UnixTime> time(const std::string& key, bool required = false) {
        const std::string text = str(key, required);
        if (text.empty()) {
            return std::nullopt;
        }
        UnixTime t = 0;
        if (!parse_utc(text, t)) {
            fail(key, "must be a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM:SSZ, not '" + text + "'");
            return std::nullopt;
        }
        return t;
    }

    std::vector<std::string> strings(const std::string& key) {
        std::vector<std::string> out;
        if (!has(key)) {
            return out;
        }
        const Arr a = m_obj->getArray(key);
        if (!a) {
            fail(key, "must be a list");
            return out;
        }
        for (std::size_t i = 0; i < a->size(); ++i) {
            const auto v = a->get(static_cast<unsigned>(i));
            if (!v.isString()) {
                fail(key + "[" + std::to_string(i) + "]", "must be text");
                continue;
            }
            out.push_back(v.convert<std::string>());
        }
        return out;
    }

    template <typename E>
    std::optional<E> one(const std::string& key, std::optional<E> (*parse)(std::string_view),
                         bool required = false) {
        const std::string text = str(key, required);
        if (text.empty()) {
            return std::nullopt;
        }
        return parse_enum<E>(key, text, parse);
    }

    template <typename E>
    E one_or(const std::string& key, std::optional<E> (*parse)(std::string_view), E fallback) {
        return one<E>(key, parse).value_or(fallback);
    }

    template <typename E>
    std::vector<E> many(const std::string& key, std::optional<E> (*parse)(std::string_view)) {
        std::vector<E> out;
        const auto texts = strings(key);
        for (std::size_t i = 0; i < texts.size(); ++i) {
            if (auto e = parse_enum<E>(key + "[" + std::to_string(i) + "]", texts[i], parse)) {
                out.push_back(*e);
            }
        }
        return out;
    }

    domain::SensitivitySet sensitivity(const std::string& key) {
        domain::SensitivitySet out;
        for (const auto s : many<domain::Sensitivity>(key, domain::parse_sensitivity)) {
            out.add(s);
        }
        return out;
    }

    Obj object(const std::string& key) {
        if (!has(key)) {
            return nullptr;
        }
        Obj o = m_obj->getObject(key);
        if (!o) {
            fail(key, "must be an object");
        }
        return o;
    }

    std::vector<Obj> objects(const std::string& key) {
        std::vector<Obj> out;
        if (!has(key)) {
            return out;
        }
        const Arr a = m_obj->getArray(key);
        if (!a) {
            fail(key, "must be a list");
            return out;
        }
        for (std::size_t i = 0; i < a->size(); ++i) {
            Obj o = a->getObject(static_cast<unsigned>(i));
            if (!o) {
                fail(key + "[" + std::to_string(i) + "]", "must be an object");
                continue;
            }
            out.push_back(o);
        }
        return out;
    }

    [[nodiscard]] std::string path(const std::string& key) const {
        return m_path.empty() ? key : m_path + "." + key;
    }
    void fail(const std::string& key, const std::string& what) { m_errors.push_back(path(key) + " " + what); }

private:
    template <typename E>
    std::optional<E> parse_enum(const std::string& key, const std::string& text,
                                std::optional<E> (*parse)(std::string_view)) {
        auto e = parse(normalise_name(text));
        if (!e) {
            fail(key, "'" + text + "' is not one of " + names_of<E>());
        }
        return e;
    }

    Obj m_obj;
    std::string m_path;
    std::vector<std::string>& m_errors;
};

Status finish(const std::vector<std::string>& errors, const std::string& what) {
    if (errors.empty()) {
        return {};
    }
    std::string msg = what + ": ";
    for (std::size_t i = 0; i < errors.size(); ++i) {
        msg += (i == 0 ? "" : "; ") + errors[i];
    }
    return make_error(Errc::invalid_input, msg);
}

template <typename T>
Arr array_of(const std::vector<T>& values) {
    Arr a = new Poco::JSON::Array();
    for (const auto& v : values) {
        a->add(v);
    }
    return a;
}

template <typename E>
Arr names_array(const std::vector<E>& values) {
    Arr a = new Poco::JSON::Array();
    for (const auto v : values) {
        a->add(std::string(domain::to_string(v)));
    }
    return a;
}

Arr sensitivity_array(domain::SensitivitySet s) {
    std::vector<domain::Sensitivity> flags;
    for (const auto f : {domain::Sensitivity::psychotherapy_notes, domain::Sensitivity::substance_use}) {
        if (s.has(f)) {
            flags.push_back(f);
        }
    }
    return names_array(flags);
}

void put_time(Obj o, const char* key, const std::optional<UnixTime>& t) {
    if (t) {
        o->set(key, format_utc(*t));
    }
}

void put_opt(Obj o, const char* key, const std::optional<std::string>& s) {
    if (s && !s->empty()) {
        o->set(key, *s);
    }
}

std::optional<std::string> opt_str(Reader& r, const std::string& key) {
    std::string s = r.str(key);
    if (s.empty()) {
        return std::nullopt;
    }
    return s;
}

} // namespace

// ------------------------------------------------------------------------------------------------- ROIs

Obj signature_to_json(const domain::RoiSignature& s) {
    Obj o = new Poco::JSON::Object();
    o->set("signer", s.signer);
    o->set("capacity", std::string(domain::to_string(s.capacity)));
    Obj a = new Poco::JSON::Object();
    a->set("kind", std::string(domain::to_string(s.authority.kind)));
    if (!s.authority.id.empty()) {
        a->set("id", s.authority.id);
    }
    o->set("authority", a);
    o->set("signed_at", format_utc(s.signed_at));
    if (!s.evidence.empty()) {
        o->set("evidence", s.evidence);
    }
    return o;
}

namespace {

domain::RoiSignature read_signature(Reader& r, std::vector<std::string>& errors) {
    domain::RoiSignature s;
    s.signer = r.str("signer", true);
    s.capacity = r.one_or<domain::SignerCapacity>("capacity", domain::parse_signer_capacity,
                                                  domain::SignerCapacity::self);
    if (Obj a = r.object("authority")) {
        Reader ar(a, r.path("authority"), errors);
        s.authority.kind = ar.one_or<domain::AuthorityKind>("kind", domain::parse_authority_kind,
                                                            domain::AuthorityKind::none);
        s.authority.id = ar.str("id");
    }
    s.signed_at = r.time("signed_at").value_or(0);
    s.evidence = r.str("evidence");
    return s;
}

} // namespace

Result<domain::RoiSignature> signature_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    auto s = read_signature(r, errors);
    KV_TRY(finish(errors, "the signature is not valid"));
    return s;
}

Obj roi_to_json(const domain::Roi& roi) {
    Obj o = new Poco::JSON::Object();
    o->set("id", roi.id);
    o->set("case_id", roi.case_id);
    o->set("document_id", roi.document);
    o->set("kind", std::string(domain::to_string(roi.kind)));
    o->set("subject", roi.subject);
    o->set("discloser", roi.discloser);
    Arr recipients = new Poco::JSON::Array();
    for (const auto& rc : roi.recipients) {
        Obj ro = new Poco::JSON::Object();
        ro->set("kind", std::string(domain::to_string(rc.kind)));
        ro->set("party", rc.party);
        put_time(ro, "revoked_at", rc.revoked_at);
        put_opt(ro, "revoked_by", rc.revoked_by);
        recipients->add(ro);
    }
    o->set("recipients", recipients);
    Obj info = new Poco::JSON::Object();
    info->set("doc_types", names_array(roi.information.doc_types));
    info->set("categories", names_array(roi.information.categories));
    put_time(info, "from", roi.information.from);
    put_time(info, "until", roi.information.until);
    info->set("sensitivity", sensitivity_array(roi.information.sensitivity));
    info->set("description", roi.information.description);
    if (!roi.information.substance_use_description.empty()) {
        info->set("substance_use_description", roi.information.substance_use_description);
    }
    o->set("information", info);
    o->set("purposes", names_array(roi.purposes));
    o->set("direction", std::string(domain::to_string(roi.direction)));
    put_time(o, "valid_from", roi.valid_from);
    Obj expiry = new Poco::JSON::Object();
    put_time(expiry, "date", roi.expiry.date);
    expiry->set("event", std::string(domain::to_string(roi.expiry.event)));
    if (!roi.expiry.event_description.empty()) {
        expiry->set("event_description", roi.expiry.event_description);
    }
    put_time(expiry, "event_occurred_at", roi.expiry.event_occurred_at);
    o->set("expiry", expiry);
    Obj st = new Poco::JSON::Object();
    st->set("right_to_revoke", roi.statements.right_to_revoke);
    st->set("treatment_not_conditioned", roi.statements.treatment_not_conditioned);
    st->set("redisclosure", roi.statements.redisclosure);
    st->set("right_to_copy", roi.statements.right_to_copy);
    o->set("statements", st);
    o->set("template_version", roi.template_version);
    o->set("document_sha256", roi.document_sha256);
    o->set("decision_subjects", names_array(roi.decision_subjects));
    o->set("minor_consented_services", roi.minor_consented_services);
    Arr sigs = new Poco::JSON::Array();
    for (const auto& s : roi.signatures) {
        sigs->add(signature_to_json(s));
    }
    o->set("signatures", sigs);
    o->set("state", std::string(domain::to_string(roi.state)));
    o->set("state_changed_at", format_utc(roi.state_changed_at));
    put_time(o, "activated_at", roi.activated_at);
    put_time(o, "revoked_at", roi.revoked_at);
    put_opt(o, "revoked_by", roi.revoked_by);
    put_opt(o, "superseded_by", roi.superseded_by);
    if (!roi.suspension_reason.empty()) {
        o->set("suspension_reason", roi.suspension_reason);
    }
    put_time(o, "reviewed_at", roi.reviewed_at);
    return o;
}

Result<domain::Roi> roi_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    domain::Roi roi;
    roi.id = r.str("id");
    roi.case_id = r.str("case_id");
    roi.document = r.str("document_id");
    roi.kind = r.one_or<domain::RoiKind>("kind", domain::parse_roi_kind, domain::RoiKind::general);
    roi.subject = r.str("subject");
    roi.discloser = r.str("discloser");
    const auto recipients = r.objects("recipients");
    for (std::size_t i = 0; i < recipients.size(); ++i) {
        Reader rr(recipients[i], "recipients[" + std::to_string(i) + "]", errors);
        domain::RoiRecipient rc;
        rc.kind = rr.one_or<domain::RecipientKind>("kind", domain::parse_recipient_kind,
                                                   domain::RecipientKind::party);
        rc.party = rr.str("party", true);
        rc.revoked_at = rr.time("revoked_at");
        rc.revoked_by = opt_str(rr, "revoked_by");
        roi.recipients.push_back(std::move(rc));
    }
    if (Obj info = r.object("information")) {
        Reader ir(info, "information", errors);
        roi.information.doc_types = ir.many<domain::DocType>("doc_types", domain::parse_doc_type);
        roi.information.categories = ir.many<domain::InfoCategory>("categories", domain::parse_info_category);
        roi.information.from = ir.time("from");
        roi.information.until = ir.time("until");
        roi.information.sensitivity = ir.sensitivity("sensitivity");
        roi.information.description = ir.str("description");
        roi.information.substance_use_description = ir.str("substance_use_description");
    }
    roi.purposes = r.many<domain::Purpose>("purposes", domain::parse_purpose);
    roi.direction =
        r.one_or<domain::Direction>("direction", domain::parse_direction, domain::Direction::both);
    roi.valid_from = r.time("valid_from");
    if (Obj expiry = r.object("expiry")) {
        Reader er(expiry, "expiry", errors);
        roi.expiry.date = er.time("date");
        roi.expiry.event =
            er.one_or<domain::ExpiryEvent>("event", domain::parse_expiry_event, domain::ExpiryEvent::none);
        roi.expiry.event_description = er.str("event_description");
        roi.expiry.event_occurred_at = er.time("event_occurred_at");
    }
    if (Obj st = r.object("statements")) {
        Reader sr(st, "statements", errors);
        roi.statements.right_to_revoke = sr.flag("right_to_revoke");
        roi.statements.treatment_not_conditioned = sr.flag("treatment_not_conditioned");
        roi.statements.redisclosure = sr.flag("redisclosure");
        roi.statements.right_to_copy = sr.flag("right_to_copy");
    }
    roi.template_version = r.str("template_version");
    roi.document_sha256 = r.str("document_sha256");
    if (r.has("decision_subjects")) {
        roi.decision_subjects =
            r.many<domain::DecisionSubject>("decision_subjects", domain::parse_decision_subject);
    }
    roi.minor_consented_services = r.flag("minor_consented_services");
    const auto sigs = r.objects("signatures");
    for (std::size_t i = 0; i < sigs.size(); ++i) {
        Reader sr(sigs[i], "signatures[" + std::to_string(i) + "]", errors);
        roi.signatures.push_back(read_signature(sr, errors));
    }
    roi.state = r.one_or<domain::RoiState>("state", domain::parse_roi_state, domain::RoiState::draft);
    roi.state_changed_at = r.time("state_changed_at").value_or(0);
    roi.activated_at = r.time("activated_at");
    roi.revoked_at = r.time("revoked_at");
    roi.revoked_by = opt_str(r, "revoked_by");
    roi.superseded_by = opt_str(r, "superseded_by");
    roi.suspension_reason = r.str("suspension_reason");
    roi.reviewed_at = r.time("reviewed_at");
    KV_TRY(finish(errors, "the ROI is not valid"));
    return roi;
}

// ----------------------------------------------------------------------------------------------- orders

Obj order_to_json(const domain::CourtOrder& order) {
    Obj o = new Poco::JSON::Object();
    o->set("id", order.id);
    o->set("case_id", order.case_id);
    o->set("document_id", order.document);
    o->set("kind", std::string(domain::to_string(order.kind)));
    o->set("court", order.court);
    o->set("case_number", order.case_number);
    o->set("document_sha256", order.document_sha256);
    o->set("issued_at", format_utc(order.issued_at));
    o->set("effective_at", format_utc(order.effective_at));
    put_time(o, "expires_at", order.expires_at);
    o->set("status", std::string(domain::to_string(order.status)));
    o->set("status_changed_at", format_utc(order.status_changed_at));
    put_opt(o, "verified_by", order.verified_by);
    put_time(o, "verified_at", order.verified_at);
    o->set("areas", names_array(order.areas));
    Arr sup = new Poco::JSON::Array();
    for (const auto& s : order.supersedes) {
        Obj so = new Poco::JSON::Object();
        so->set("order", s.order);
        so->set("areas", names_array(s.areas));
        sup->add(so);
    }
    o->set("supersedes", sup);
    Arr custody = new Poco::JSON::Array();
    for (const auto& c : order.custody) {
        Obj co = new Poco::JSON::Object();
        co->set("children", array_of(c.children));
        co->set("kind", std::string(domain::to_string(c.kind)));
        co->set("holders", array_of(c.holders));
        custody->add(co);
    }
    o->set("custody", custody);
    Arr mutual = new Poco::JSON::Array();
    for (const auto& m : order.mutual_consent) {
        Obj mo = new Poco::JSON::Object();
        mo->set("children", array_of(m.children));
        mo->set("subjects", names_array(m.subjects));
        mutual->add(mo);
    }
    o->set("mutual_consent", mutual);
    Arr restrictions = new Poco::JSON::Array();
    for (const auto& rs : order.restrictions) {
        Obj ro = new Poco::JSON::Object();
        ro->set("barred_parties", array_of(rs.barred_parties));
        ro->set("barred_roles", names_array(rs.barred_roles));
        ro->set("doc_types", names_array(rs.doc_types));
        ro->set("categories", names_array(rs.categories));
        ro->set("about", array_of(rs.about));
        ro->set("text", rs.text);
        restrictions->add(ro);
    }
    o->set("restrictions", restrictions);
    Arr protective = new Poco::JSON::Array();
    for (const auto& p : order.protective) {
        Obj po = new Poco::JSON::Object();
        po->set("restrained", array_of(p.restrained));
        po->set("protected", array_of(p.protected_parties));
        protective->add(po);
    }
    o->set("protective", protective);
    Arr compels = new Poco::JSON::Array();
    for (const auto& c : order.compels) {
        Obj co = new Poco::JSON::Object();
        co->set("recipients", array_of(c.recipients));
        co->set("recipient_roles", names_array(c.recipient_roles));
        co->set("doc_types", names_array(c.doc_types));
        co->set("categories", names_array(c.categories));
        co->set("sensitivity", sensitivity_array(c.sensitivity));
        co->set("text", c.text);
        compels->add(co);
    }
    o->set("compels", compels);
    return o;
}

Result<domain::CourtOrder> order_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    domain::CourtOrder o;
    o.id = r.str("id");
    o.case_id = r.str("case_id");
    o.document = r.str("document_id");
    o.kind = r.one_or<domain::OrderKind>("kind", domain::parse_order_kind, domain::OrderKind::court_order);
    o.court = r.str("court");
    o.case_number = r.str("case_number");
    o.document_sha256 = r.str("document_sha256");
    o.issued_at = r.time("issued_at").value_or(0);
    o.effective_at = r.time("effective_at").value_or(0);
    o.expires_at = r.time("expires_at");
    o.status =
        r.one_or<domain::OrderStatus>("status", domain::parse_order_status, domain::OrderStatus::received);
    o.status_changed_at = r.time("status_changed_at").value_or(0);
    o.verified_by = opt_str(r, "verified_by");
    o.verified_at = r.time("verified_at");
    o.areas = r.many<domain::SubjectArea>("areas", domain::parse_subject_area);
    const auto sup = r.objects("supersedes");
    for (std::size_t i = 0; i < sup.size(); ++i) {
        Reader sr(sup[i], "supersedes[" + std::to_string(i) + "]", errors);
        o.supersedes.push_back(
            {sr.str("order", true), sr.many<domain::SubjectArea>("areas", domain::parse_subject_area)});
    }
    const auto custody = r.objects("custody");
    for (std::size_t i = 0; i < custody.size(); ++i) {
        Reader cr(custody[i], "custody[" + std::to_string(i) + "]", errors);
        domain::CustodyTerms c;
        c.children = cr.strings("children");
        c.kind =
            cr.one_or<domain::CustodyKind>("kind", domain::parse_custody_kind, domain::CustodyKind::joint);
        c.holders = cr.strings("holders");
        o.custody.push_back(std::move(c));
    }
    const auto mutual = r.objects("mutual_consent");
    for (std::size_t i = 0; i < mutual.size(); ++i) {
        Reader mr(mutual[i], "mutual_consent[" + std::to_string(i) + "]", errors);
        o.mutual_consent.push_back({mr.strings("children"), mr.many<domain::DecisionSubject>(
                                                                "subjects", domain::parse_decision_subject)});
    }
    const auto restrictions = r.objects("restrictions");
    for (std::size_t i = 0; i < restrictions.size(); ++i) {
        Reader rr(restrictions[i], "restrictions[" + std::to_string(i) + "]", errors);
        domain::SharingRestriction s;
        s.barred_parties = rr.strings("barred_parties");
        s.barred_roles = rr.many<domain::Role>("barred_roles", domain::parse_role);
        s.doc_types = rr.many<domain::DocType>("doc_types", domain::parse_doc_type);
        s.categories = rr.many<domain::InfoCategory>("categories", domain::parse_info_category);
        s.about = rr.strings("about");
        s.text = rr.str("text");
        o.restrictions.push_back(std::move(s));
    }
    const auto protective = r.objects("protective");
    for (std::size_t i = 0; i < protective.size(); ++i) {
        Reader pr(protective[i], "protective[" + std::to_string(i) + "]", errors);
        o.protective.push_back({pr.strings("restrained"), pr.strings("protected")});
    }
    const auto compels = r.objects("compels");
    for (std::size_t i = 0; i < compels.size(); ++i) {
        Reader cr(compels[i], "compels[" + std::to_string(i) + "]", errors);
        domain::CompelledRelease c;
        c.recipients = cr.strings("recipients");
        c.recipient_roles = cr.many<domain::Role>("recipient_roles", domain::parse_role);
        c.doc_types = cr.many<domain::DocType>("doc_types", domain::parse_doc_type);
        c.categories = cr.many<domain::InfoCategory>("categories", domain::parse_info_category);
        c.sensitivity = cr.sensitivity("sensitivity");
        c.text = cr.str("text");
        o.compels.push_back(std::move(c));
    }
    KV_TRY(finish(errors, "the court order is not valid"));
    return o;
}

// ------------------------------------------------------------------------------------------- agreements

Obj allowance_to_json(const domain::AgreementAllowance& a) {
    Obj o = new Poco::JSON::Object();
    o->set("recipient_roles", names_array(a.recipient_roles));
    o->set("categories", names_array(a.categories));
    o->set("scope", std::string(domain::to_string(a.scope)));
    return o;
}

namespace {

domain::AgreementAllowance read_allowance(Reader& r) {
    domain::AgreementAllowance a;
    a.recipient_roles = r.many<domain::Role>("recipient_roles", domain::parse_role);
    a.categories = r.many<domain::InfoCategory>("categories", domain::parse_info_category);
    a.scope = r.one_or<domain::AllowanceScope>("scope", domain::parse_allowance_scope,
                                               domain::AllowanceScope::client_only);
    return a;
}

} // namespace

Result<domain::AgreementAllowance> allowance_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    auto a = read_allowance(r);
    KV_TRY(finish(errors, "the allowance is not valid"));
    return a;
}

Obj agreement_to_json(const AgreementRecord& rec) {
    const auto& a = rec.agreement;
    Obj o = new Poco::JSON::Object();
    o->set("case_id", rec.case_id);
    o->set("document_id", a.document);
    o->set("version", a.version);
    o->set("state", std::string(domain::to_string(a.state)));
    o->set("state_changed_at", format_utc(a.state_changed_at));
    put_time(o, "executed_at", a.executed_at);
    o->set("mode", std::string(domain::to_string(a.mode)));
    Arr closed = new Poco::JSON::Array();
    for (const auto& x : a.closed_allowances) {
        closed->add(allowance_to_json(x));
    }
    o->set("closed_allowances", closed);
    Arr open = new Poco::JSON::Array();
    for (const auto& x : a.open_allowances) {
        open->add(allowance_to_json(x));
    }
    o->set("open_allowances", open);
    put_opt(o, "implements_order", a.implements_order);
    put_opt(o, "supersedes", a.supersedes);
    return o;
}

Result<AgreementRecord> agreement_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    AgreementRecord rec;
    rec.case_id = r.str("case_id");
    auto& a = rec.agreement;
    a.document = r.str("document_id");
    a.version = static_cast<int>(r.integer("version", 1));
    a.state = r.one_or<domain::AgreementState>("state", domain::parse_agreement_state,
                                               domain::AgreementState::draft);
    a.state_changed_at = r.time("state_changed_at").value_or(0);
    a.executed_at = r.time("executed_at");
    a.mode = r.one_or<domain::ProcessMode>("mode", domain::parse_process_mode, domain::ProcessMode::closed);
    const auto closed = r.objects("closed_allowances");
    for (std::size_t i = 0; i < closed.size(); ++i) {
        Reader ar(closed[i], "closed_allowances[" + std::to_string(i) + "]", errors);
        a.closed_allowances.push_back(read_allowance(ar));
    }
    const auto open = r.objects("open_allowances");
    for (std::size_t i = 0; i < open.size(); ++i) {
        Reader ar(open[i], "open_allowances[" + std::to_string(i) + "]", errors);
        a.open_allowances.push_back(read_allowance(ar));
    }
    a.implements_order = opt_str(r, "implements_order");
    a.supersedes = opt_str(r, "supersedes");
    KV_TRY(finish(errors, "the agreement is not valid"));
    return rec;
}

// ---------------------------------------------------------------------------------------------- letters

Obj letter_to_json(const LetterRecord& l) {
    Obj o = new Poco::JSON::Object();
    o->set("id", l.id);
    o->set("case_id", l.case_id);
    o->set("document_id", l.document_id);
    o->set("author", l.letter.author);
    o->set("child", l.letter.child);
    o->set("state", std::string(domain::to_string(l.letter.state)));
    o->set("release_targets", array_of(l.letter.release_targets));
    o->set("state_changed_at", format_utc(l.letter.state_changed_at));
    put_time(o, "released_at", l.letter.released_at);
    Arr notes = new Poco::JSON::Array();
    for (const auto& n : l.revision_notes) {
        Obj no = new Poco::JSON::Object();
        no->set("at", format_utc(n.at));
        no->set("text", n.text);
        notes->add(no);
    }
    o->set("revision_notes", notes);
    return o;
}

Result<LetterRecord> letter_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    LetterRecord l;
    l.id = r.str("id");
    l.case_id = r.str("case_id");
    l.document_id = r.str("document_id");
    l.letter.author = r.str("author");
    l.letter.child = r.str("child");
    l.letter.state =
        r.one_or<domain::LetterState>("state", domain::parse_letter_state, domain::LetterState::draft);
    l.letter.release_targets = r.strings("release_targets");
    l.letter.state_changed_at = r.time("state_changed_at").value_or(0);
    l.letter.released_at = r.time("released_at");
    const auto notes = r.objects("revision_notes");
    for (std::size_t i = 0; i < notes.size(); ++i) {
        Reader nr(notes[i], "revision_notes[" + std::to_string(i) + "]", errors);
        l.revision_notes.push_back({nr.time("at").value_or(0), nr.str("text")});
    }
    KV_TRY(finish(errors, "the letter record is not valid"));
    return l;
}

// -------------------------------------------------------------------------------- parties and documents

Obj party_facts_to_json(const PartyFacts& p) {
    Obj o = new Poco::JSON::Object();
    o->set("party_id", p.party_id);
    o->set("case_id", p.case_id);
    put_opt(o, "treats", p.treats);
    o->set("minor_consented_treatment", p.minor_consented_treatment);
    put_opt(o, "successor", p.successor);
    put_time(o, "status_since", p.status_since);
    return o;
}

Result<PartyFacts> party_facts_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    PartyFacts p;
    p.party_id = r.str("party_id");
    p.case_id = r.str("case_id");
    p.treats = opt_str(r, "treats");
    p.minor_consented_treatment = r.flag("minor_consented_treatment");
    p.successor = opt_str(r, "successor");
    p.status_since = r.time("status_since");
    KV_TRY(finish(errors, "the party facts are not valid"));
    return p;
}

Obj document_facts_to_json(const DocumentFactsRecord& d) {
    Obj o = new Poco::JSON::Object();
    o->set("document_id", d.document_id);
    o->set("case_id", d.case_id);
    o->set("subjects", array_of(d.subjects));
    o->set("contact_details_of", array_of(d.contact_details_of));
    return o;
}

Result<DocumentFactsRecord> document_facts_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    DocumentFactsRecord d;
    d.document_id = r.str("document_id");
    d.case_id = r.str("case_id");
    d.subjects = r.strings("subjects");
    d.contact_details_of = r.strings("contact_details_of");
    KV_TRY(finish(errors, "the document facts are not valid"));
    return d;
}

Obj custody_to_json(const CustodyRecordEntry& c) {
    Obj o = new Poco::JSON::Object();
    o->set("id", c.record.id);
    o->set("case_id", c.case_id);
    o->set("child", c.record.child);
    o->set("kind", std::string(domain::to_string(c.record.kind)));
    o->set("holders", array_of(c.record.holders));
    o->set("recorded_at", format_utc(c.record.recorded_at));
    o->set("verified", c.record.verified);
    o->set("basis", c.record.basis);
    return o;
}

Result<CustodyRecordEntry> custody_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    CustodyRecordEntry c;
    c.record.id = r.str("id");
    c.case_id = r.str("case_id");
    c.record.child = r.str("child", true);
    c.record.kind =
        r.one_or<domain::CustodyKind>("kind", domain::parse_custody_kind, domain::CustodyKind::joint);
    c.record.holders = r.strings("holders");
    c.record.recorded_at = r.time("recorded_at").value_or(0);
    c.record.verified = r.flag("verified");
    c.record.basis = r.str("basis");
    KV_TRY(finish(errors, "the custody record is not valid"));
    return c;
}

Obj mode_history_to_json(const ModeHistoryRecord& m) {
    Obj o = new Poco::JSON::Object();
    o->set("case_id", m.case_id);
    Arr changes = new Poco::JSON::Array();
    for (const auto& c : m.changes) {
        Obj co = new Poco::JSON::Object();
        co->set("mode", std::string(domain::to_string(c.mode)));
        co->set("effective_from", format_utc(c.effective_from));
        co->set("amendment", c.amendment);
        changes->add(co);
    }
    o->set("changes", changes);
    return o;
}

Result<ModeHistoryRecord> mode_history_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    ModeHistoryRecord m;
    m.case_id = r.str("case_id");
    const auto changes = r.objects("changes");
    for (std::size_t i = 0; i < changes.size(); ++i) {
        Reader cr(changes[i], "changes[" + std::to_string(i) + "]", errors);
        m.changes.push_back(
            {cr.one_or<domain::ProcessMode>("mode", domain::parse_process_mode, domain::ProcessMode::closed),
             cr.time("effective_from").value_or(0), cr.str("amendment")});
    }
    KV_TRY(finish(errors, "the process mode history is not valid"));
    return m;
}

// ------------------------------------------------------------------------------------ decisions, readiness

Obj decision_to_json(const domain::Decision& d) {
    Obj o = new Poco::JSON::Object();
    o->set("decision", std::string(domain::to_string(d.effect)));
    o->set("rule", std::string(d.rule_code()));
    Obj basis = new Poco::JSON::Object();
    basis->set("kind", std::string(domain::to_string(d.basis.kind)));
    basis->set("ids", array_of(d.basis.ids));
    o->set("basis", basis);
    o->set("reason", d.reason);
    o->set("notes", array_of(d.notes));
    Arr obligations = new Poco::JSON::Array();
    for (const auto& ob : d.obligations) {
        Obj oo = new Poco::JSON::Object();
        oo->set("kind", std::string(domain::to_string(ob.kind)));
        oo->set("text", ob.text);
        obligations->add(oo);
    }
    o->set("obligations", obligations);
    return o;
}

Obj defect_to_json(const domain::RoiDefect& d) {
    Obj o = new Poco::JSON::Object();
    o->set("code", std::string(domain::to_string(d.code)));
    o->set("field", d.field);
    o->set("message", d.message);
    return o;
}

Obj readiness_to_json(const domain::CaseReadiness& r) {
    Obj o = new Poco::JSON::Object();
    o->set("ready", r.ready);
    o->set("has_current_order_or_plan", r.has_current_order_or_plan);
    o->set("problems", array_of(r.problems));
    Arr children = new Poco::JSON::Array();
    for (const auto& c : r.children) {
        Obj co = new Poco::JSON::Object();
        co->set("child", c.child);
        co->set("child_name", c.child_name);
        co->set("ready", c.ready);
        co->set("problems", array_of(c.problems));
        Arr therapists = new Poco::JSON::Array();
        for (const auto& t : c.therapists) {
            Obj to = new Poco::JSON::Object();
            to->set("therapist", t.therapist);
            to->set("therapist_name", t.therapist_name);
            to->set("mode", std::string(domain::to_string(t.mode)));
            to->set("requirement", t.requirement);
            to->set("ready", t.ready);
            Arr links = new Poco::JSON::Array();
            for (const auto& l : t.links) {
                Obj lo = new Poco::JSON::Object();
                lo->set("authoriser", l.authoriser);
                lo->set("authoriser_name", l.authoriser_name);
                lo->set("capacity", std::string(domain::to_string(l.capacity)));
                lo->set("direction", std::string(domain::to_string(l.direction)));
                lo->set("state", std::string(domain::to_string(l.state)));
                put_opt(lo, "roi", l.roi);
                put_time(lo, "ends_at", l.ends_at);
                lo->set("detail", l.detail);
                links->add(lo);
            }
            to->set("links", links);
            to->set("missing", array_of(t.missing));
            therapists->add(to);
        }
        co->set("therapists", therapists);
        children->add(co);
    }
    o->set("children", children);
    return o;
}

// ----------------------------------------------------------------------------------------------- text

std::string json_text(const Obj& json) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(json, out);
    return out.str();
}

Result<Obj> parse_json_object(const std::string& text) {
    try {
        Poco::JSON::Parser parser;
        const auto parsed = parser.parse(text);
        if (parsed.type() != typeid(Obj)) {
            return make_error(Errc::invalid_input, "expected a JSON object");
        }
        return parsed.extract<Obj>();
    } catch (const Poco::Exception& e) {
        return make_error(Errc::invalid_input, "not valid JSON: " + e.displayText());
    }
}

} // namespace kinvault::services
