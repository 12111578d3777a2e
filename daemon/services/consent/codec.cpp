#include "services/consent/codec.h"
#include "services/consent/codec_reader.h"

#include "domain/authority.h"
#include "domain/readiness.h"

#include <cctype>

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

std::string signature_to_json(const domain::RoiSignature& s) {
    Fields authority;
    authority.name("kind", s.authority.kind).opt("id", s.authority.id);
    Fields f;
    f.text("signer", s.signer)
        .name("capacity", s.capacity)
        .raw("authority", authority.str())
        .time("signed_at", s.signed_at)
        .opt("evidence", s.evidence);
    return f.str();
}

namespace {

domain::RoiSignature read_signature(Object& o, Keys nested) {
    domain::RoiSignature s;
    s.signer = o.required_string("signer");
    s.capacity = one_or<domain::SignerCapacity>(o, "capacity", domain::parse_signer_capacity,
                                                domain::SignerCapacity::self);
    with_object(o, "authority", nested, [&](Object& a) {
        s.authority.kind = one_or<domain::AuthorityKind>(a, "kind", domain::parse_authority_kind,
                                                         domain::AuthorityKind::none);
        s.authority.id = text(a, "id");
    });
    s.signed_at = time(o, "signed_at").value_or(0);
    s.evidence = text(o, "evidence");
    return s;
}

domain::RoiRecipient read_recipient(Object& o, Keys nested) {
    domain::RoiRecipient rc;
    rc.kind =
        one_or<domain::RecipientKind>(o, "kind", domain::parse_recipient_kind, domain::RecipientKind::party);
    rc.party = o.required_string("party");
    rc.revoked_at = time(o, "revoked_at");
    rc.revoked_by = opt_text(o, "revoked_by");
    if (nested == Keys::known_only) {
        // An ROI read back names each recipient for people; the CLI sends that back unchanged.
        (void)o.raw("party_id");
        (void)o.raw("name");
    }
    return rc;
}

// `nested` is how the objects inside the ROI treat keys they do not know (see codec.h).
domain::Roi read_roi_with(Object& o, Keys nested) {
    domain::Roi roi;
    roi.id = text(o, "id");
    roi.case_id = text(o, "case_id");
    roi.document = text(o, "document_id");
    roi.kind = one_or<domain::RoiKind>(o, "kind", domain::parse_roi_kind, domain::RoiKind::general);
    roi.subject = text(o, "subject");
    roi.discloser = text(o, "discloser");
    each_object(o, "recipients", nested,
                [&](Object& r) { roi.recipients.push_back(read_recipient(r, nested)); });
    with_object(o, "information", nested, [&](Object& i) {
        roi.information.doc_types = many<domain::DocType>(i, "doc_types", domain::parse_doc_type);
        roi.information.categories = many<domain::InfoCategory>(i, "categories", domain::parse_info_category);
        roi.information.from = time(i, "from");
        roi.information.until = time(i, "until");
        roi.information.sensitivity = sensitivity(i, "sensitivity");
        roi.information.description = text(i, "description");
        roi.information.substance_use_description = text(i, "substance_use_description");
    });
    roi.purposes = many<domain::Purpose>(o, "purposes", domain::parse_purpose);
    roi.direction =
        one_or<domain::Direction>(o, "direction", domain::parse_direction, domain::Direction::both);
    roi.valid_from = time(o, "valid_from");
    with_object(o, "expiry", nested, [&](Object& e) {
        roi.expiry.date = time(e, "date");
        roi.expiry.event =
            one_or<domain::ExpiryEvent>(e, "event", domain::parse_expiry_event, domain::ExpiryEvent::none);
        roi.expiry.event_description = text(e, "event_description");
        roi.expiry.event_occurred_at = time(e, "event_occurred_at");
    });
    with_object(o, "statements", nested, [&](Object& s) {
        roi.statements.right_to_revoke = flag(s, "right_to_revoke");
        roi.statements.treatment_not_conditioned = flag(s, "treatment_not_conditioned");
        roi.statements.redisclosure = flag(s, "redisclosure");
        roi.statements.right_to_copy = flag(s, "right_to_copy");
    });
    roi.template_version = text(o, "template_version");
    roi.document_sha256 = text(o, "document_sha256");
    // Absent: the domain's default subjects stay.
    if (auto subjects =
            opt_many<domain::DecisionSubject>(o, "decision_subjects", domain::parse_decision_subject)) {
        roi.decision_subjects = std::move(*subjects);
    }
    roi.minor_consented_services = flag(o, "minor_consented_services");
    each_object(o, "signatures", nested,
                [&](Object& s) { roi.signatures.push_back(read_signature(s, nested)); });
    roi.state = one_or<domain::RoiState>(o, "state", domain::parse_roi_state, domain::RoiState::draft);
    roi.state_changed_at = time(o, "state_changed_at").value_or(0);
    roi.activated_at = time(o, "activated_at");
    roi.revoked_at = time(o, "revoked_at");
    roi.revoked_by = opt_text(o, "revoked_by");
    roi.superseded_by = opt_text(o, "superseded_by");
    roi.suspension_reason = text(o, "suspension_reason");
    roi.reviewed_at = time(o, "reviewed_at");
    return roi;
}

} // namespace

Result<domain::RoiSignature> signature_from_json(const json::Value& json) {
    return read_whole<domain::RoiSignature>(json, "the signature is not valid",
                                            [](Object& o) { return read_signature(o, Keys::any); });
}

domain::Roi read_roi(Object& o) {
    return read_roi_with(o, Keys::known_only);
}

Result<domain::Roi> roi_from_json(const json::Value& json) {
    return read_whole<domain::Roi>(json, "the ROI is not valid",
                                   [](Object& o) { return read_roi_with(o, Keys::any); });
}

std::string roi_to_json(const domain::Roi& roi) {
    Fields info;
    info.names("doc_types", roi.information.doc_types)
        .names("categories", roi.information.categories)
        .time("from", roi.information.from)
        .time("until", roi.information.until)
        .sensitivity("sensitivity", roi.information.sensitivity)
        .text("description", roi.information.description)
        .opt("substance_use_description", roi.information.substance_use_description);
    Fields expiry;
    expiry.time("date", roi.expiry.date)
        .name("event", roi.expiry.event)
        .opt("event_description", roi.expiry.event_description)
        .time("event_occurred_at", roi.expiry.event_occurred_at);
    Fields statements;
    statements.boolean("right_to_revoke", roi.statements.right_to_revoke)
        .boolean("treatment_not_conditioned", roi.statements.treatment_not_conditioned)
        .boolean("redisclosure", roi.statements.redisclosure)
        .boolean("right_to_copy", roi.statements.right_to_copy);
    Fields o;
    o.text("id", roi.id)
        .text("case_id", roi.case_id)
        .text("document_id", roi.document)
        .name("kind", roi.kind)
        .text("subject", roi.subject)
        .text("discloser", roi.discloser)
        .raw("recipients", list_of(roi.recipients,
                                   [](const domain::RoiRecipient& rc) {
                                       Fields r;
                                       r.name("kind", rc.kind)
                                           .text("party", rc.party)
                                           .time("revoked_at", rc.revoked_at)
                                           .opt("revoked_by", rc.revoked_by);
                                       return r.str();
                                   }))
        .raw("information", info.str())
        .names("purposes", roi.purposes)
        .name("direction", roi.direction)
        .time("valid_from", roi.valid_from)
        .raw("expiry", expiry.str())
        .raw("statements", statements.str())
        .text("template_version", roi.template_version)
        .text("document_sha256", roi.document_sha256)
        .names("decision_subjects", roi.decision_subjects)
        .boolean("minor_consented_services", roi.minor_consented_services)
        .raw("signatures", list_of(roi.signatures, signature_to_json))
        .name("state", roi.state)
        .time("state_changed_at", roi.state_changed_at)
        .time("activated_at", roi.activated_at)
        .time("revoked_at", roi.revoked_at)
        .opt("revoked_by", roi.revoked_by)
        .opt("superseded_by", roi.superseded_by)
        .opt("suspension_reason", roi.suspension_reason)
        .time("reviewed_at", roi.reviewed_at);
    return o.str();
}

// ----------------------------------------------------------------------------------------------- orders

std::string order_to_json(const domain::CourtOrder& order) {
    Fields o;
    o.text("id", order.id)
        .text("case_id", order.case_id)
        .text("document_id", order.document)
        .name("kind", order.kind)
        .text("court", order.court)
        .text("case_number", order.case_number)
        .text("document_sha256", order.document_sha256)
        .time("issued_at", order.issued_at)
        .time("effective_at", order.effective_at)
        .time("expires_at", order.expires_at)
        .name("status", order.status)
        .time("status_changed_at", order.status_changed_at)
        .opt("verified_by", order.verified_by)
        .time("verified_at", order.verified_at)
        .names("areas", order.areas);
    o.raw("supersedes", list_of(order.supersedes, [](const auto& s) {
              Fields f;
              f.text("order", s.order).names("areas", s.areas);
              return f.str();
          }));
    o.raw("custody", list_of(order.custody, [](const domain::CustodyTerms& c) {
              Fields f;
              f.texts("children", c.children).name("kind", c.kind).texts("holders", c.holders);
              return f.str();
          }));
    o.raw("mutual_consent", list_of(order.mutual_consent, [](const auto& m) {
              Fields f;
              f.texts("children", m.children).names("subjects", m.subjects);
              return f.str();
          }));
    o.raw("restrictions", list_of(order.restrictions, [](const domain::SharingRestriction& r) {
              Fields f;
              f.texts("barred_parties", r.barred_parties)
                  .names("barred_roles", r.barred_roles)
                  .names("doc_types", r.doc_types)
                  .names("categories", r.categories)
                  .texts("about", r.about)
                  .text("text", r.text);
              return f.str();
          }));
    o.raw("protective", list_of(order.protective, [](const auto& p) {
              Fields f;
              f.texts("restrained", p.restrained).texts("protected", p.protected_parties);
              return f.str();
          }));
    o.raw("compels", list_of(order.compels, [](const domain::CompelledRelease& c) {
              Fields f;
              f.texts("recipients", c.recipients)
                  .names("recipient_roles", c.recipient_roles)
                  .names("doc_types", c.doc_types)
                  .names("categories", c.categories)
                  .sensitivity("sensitivity", c.sensitivity)
                  .text("text", c.text);
              return f.str();
          }));
    return o.str();
}

namespace {

// Long because it reads every term of an order, one line each.
domain::CourtOrder read_order_with(Object& r, Keys nested) {
    domain::CourtOrder o;
    o.id = text(r, "id");
    o.case_id = text(r, "case_id");
    o.document = text(r, "document_id");
    o.kind = one_or<domain::OrderKind>(r, "kind", domain::parse_order_kind, domain::OrderKind::court_order);
    o.court = text(r, "court");
    o.case_number = text(r, "case_number");
    o.document_sha256 = text(r, "document_sha256");
    o.issued_at = time(r, "issued_at").value_or(0);
    o.effective_at = time(r, "effective_at").value_or(0);
    o.expires_at = time(r, "expires_at");
    o.status =
        one_or<domain::OrderStatus>(r, "status", domain::parse_order_status, domain::OrderStatus::received);
    o.status_changed_at = time(r, "status_changed_at").value_or(0);
    o.verified_by = opt_text(r, "verified_by");
    o.verified_at = time(r, "verified_at");
    o.areas = many<domain::SubjectArea>(r, "areas", domain::parse_subject_area);
    each_object(r, "supersedes", nested, [&](Object& s) {
        auto order = s.required_string("order");
        o.supersedes.push_back(
            {std::move(order), many<domain::SubjectArea>(s, "areas", domain::parse_subject_area)});
    });
    each_object(r, "custody", nested, [&](Object& c) {
        domain::CustodyTerms t;
        t.children = texts(c, "children");
        t.kind =
            one_or<domain::CustodyKind>(c, "kind", domain::parse_custody_kind, domain::CustodyKind::joint);
        t.holders = texts(c, "holders");
        o.custody.push_back(std::move(t));
    });
    each_object(r, "mutual_consent", nested, [&](Object& m) {
        auto children = texts(m, "children");
        o.mutual_consent.push_back({std::move(children), many<domain::DecisionSubject>(
                                                             m, "subjects", domain::parse_decision_subject)});
    });
    each_object(r, "restrictions", nested, [&](Object& x) {
        domain::SharingRestriction s;
        s.barred_parties = texts(x, "barred_parties");
        s.barred_roles = many<domain::Role>(x, "barred_roles", domain::parse_role);
        s.doc_types = many<domain::DocType>(x, "doc_types", domain::parse_doc_type);
        s.categories = many<domain::InfoCategory>(x, "categories", domain::parse_info_category);
        s.about = texts(x, "about");
        s.text = text(x, "text");
        o.restrictions.push_back(std::move(s));
    });
    each_object(r, "protective", nested, [&](Object& p) {
        auto restrained = texts(p, "restrained");
        o.protective.push_back({std::move(restrained), texts(p, "protected")});
    });
    each_object(r, "compels", nested, [&](Object& x) {
        domain::CompelledRelease c;
        c.recipients = texts(x, "recipients");
        c.recipient_roles = many<domain::Role>(x, "recipient_roles", domain::parse_role);
        c.doc_types = many<domain::DocType>(x, "doc_types", domain::parse_doc_type);
        c.categories = many<domain::InfoCategory>(x, "categories", domain::parse_info_category);
        c.sensitivity = sensitivity(x, "sensitivity");
        c.text = text(x, "text");
        o.compels.push_back(std::move(c));
    });
    return o;
}

} // namespace

domain::CourtOrder read_order(Object& o) {
    return read_order_with(o, Keys::known_only);
}

Result<domain::CourtOrder> order_from_json(const json::Value& json) {
    return read_whole<domain::CourtOrder>(json, "the court order is not valid",
                                          [](Object& o) { return read_order_with(o, Keys::any); });
}

} // namespace kinvault::services
