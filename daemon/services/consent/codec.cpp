#include "services/consent/codec.h"
#include "services/consent/codec_reader.h"

#include "domain/authority.h"
#include "domain/readiness.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <cctype>
#include <sstream>

namespace kinvault::services {

using namespace codec_detail;

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