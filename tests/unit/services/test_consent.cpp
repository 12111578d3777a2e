// The consent services over a real SQLite store: facts assembled from storage for each request, the release
// gate deciding every document through the domain engine, and the ROI, order, letter, agreement and envelope
// use cases changing what the gate decides.
#include "consent_fixture.h"

#include "services/consent/fhir.h"
#include "services/signing/envelope.h"

#include <Poco/JSON/Array.h>

#include <regex>

#include <algorithm>

using namespace kvconsent;
using services::AccessAction;

namespace {

const domain::Party& party_in(const services::CaseSnapshot& s, const std::string& id) {
    const auto* p = domain::find_party(s.facts, id);
    REQUIRE(p != nullptr);
    return *p;
}

services::CaseSnapshot snapshot_of(Family& f) {
    return must(f.gate->records().snapshot(f.c, f.clock.now()));
}

} // namespace

TEST_CASE("the consent facts of a case are assembled from storage", "[consent][facts]") {
    Family f;
    const auto s = snapshot_of(f);

    SECTION("parties carry their names, roles and the consent facts recorded for them") {
        CHECK(party_in(s, f.mary.id).name == "Mary");
        CHECK(party_in(s, f.alan.id).role == domain::Role::attorney);
        CHECK(party_in(s, f.alan.id).represents == f.frank.id);
        CHECK(party_in(s, f.lee.id).treats == f.sam.id);
        CHECK(party_in(s, f.sam.id).date_of_birth == day("2016-04-01"));
    }
    SECTION("an invited party without an account still counts as a party of the case") {
        CHECK(party_in(s, f.sam.id).status == domain::PartyStatus::active);
    }
    SECTION("the case's clinicians are the accounts of its active clinician parties") {
        CHECK(s.facts.clinicians == std::vector<std::string>{"u-clin"});
    }
    SECTION("the verified custody order is among the facts") {
        const auto* o = domain::find_order(s.facts, f.order_id);
        REQUIRE(o != nullptr);
        CHECK(o->status == domain::OrderStatus::verified);
        CHECK(o->custody.at(0).holders == std::vector<std::string>{f.mary.id, f.frank.id});
    }
    SECTION("without a recorded amendment the mode history is the mode the case opened with") {
        REQUIRE(s.facts.mode_history.size() == 1);
        CHECK(s.facts.mode_history[0].mode == domain::ProcessMode::open);
        CHECK(s.facts.mode_history[0].effective_from == day("2025-01-01"));
    }
    SECTION("a counsel substitution marks the predecessor and names the successor (rule 9)") {
        const auto carl = f.add_party(f.c.id, "attorney", "Carl", "u-carl", f.frank.id);
        services::PartyFactsInput in;
        in.substituted_by = carl.id;
        must(f.consent->case_facts.set_party_facts(f.as_clinician, f.alan.id, in, f.req));
        const auto after = snapshot_of(f);
        CHECK(party_in(after, f.alan.id).status == domain::PartyStatus::substituted);
        CHECK(party_in(after, f.alan.id).successor == carl.id);
    }
    SECTION("envelope membership comes from the signing service's records") {
        const auto doc = f.add_document(f.c.id, "roi", "u-clin", f.clinician.id, f.clock.now());
        services::Envelope e;
        e.id = "env_test";
        e.case_id = f.c.id;
        e.document_id = doc.id;
        e.state = services::EnvelopeState::completed;
        services::EnvelopeSigner signer;
        signer.party_id = f.mary.id;
        e.signers.push_back(signer);
        storage::SealedRecord r;
        r.kind = "envelope";
        r.id = e.id;
        r.case_id = e.case_id;
        r.document_id = e.document_id;
        r.state = "completed";
        r.sealed = f.keyring->seal_field(services::encode_envelope(e), "record:envelope:" + e.id);
        must(f.store->put_record(r));
        const auto facts = services::document_facts(snapshot_of(f), doc);
        REQUIRE(facts.envelope.has_value());
        CHECK(facts.envelope->executed);
        CHECK(facts.envelope->executed_copy);
        CHECK(facts.envelope->parties == std::vector<std::string>{f.mary.id});
    }
}

TEST_CASE("a document's release facts default from its type and can be classified", "[consent][facts]") {
    Family f;
    const auto s = snapshot_of(f);
    SECTION("a report is about the children of the case") {
        const auto d = f.add_document(f.c.id, "report", "u-clin", f.clinician.id, f.clock.now());
        const auto facts = services::document_facts(s, d);
        CHECK(facts.subjects == std::vector<std::string>{f.sam.id});
        CHECK(facts.category == domain::InfoCategory::general);
        CHECK(facts.contact_details_of.empty());
    }
    SECTION("a court order is about the parents and children and shows their contact details") {
        const auto d = f.add_document(f.c.id, "court-order", "u-mary", f.mary.id, f.clock.now());
        const auto facts = services::document_facts(s, d);
        auto subjects = facts.subjects;
        std::vector<std::string> family{f.mary.id, f.frank.id, f.sam.id};
        std::sort(subjects.begin(), subjects.end());
        std::sort(family.begin(), family.end());
        CHECK(subjects == family);
        CHECK(facts.contact_details_of == facts.subjects);
        CHECK(facts.category == domain::InfoCategory::legal);
        CHECK(facts.author == f.mary.id);
    }
    SECTION("an ROI's document is about the ROI's subject") {
        const auto roi = f.active_roi(f.lee.id);
        const auto facts =
            services::document_facts(snapshot_of(f), must(f.store->document_by_id(roi.roi.document)).value());
        CHECK(facts.subjects == std::vector<std::string>{f.sam.id});
    }
    SECTION("the clinician's classification replaces the defaults") {
        const auto d = f.add_document(f.c.id, "report", "u-clin", f.clinician.id, f.clock.now());
        services::ClassificationInput in;
        in.subjects = std::vector<std::string>{f.frank.id};
        in.contact_details_of = std::vector<std::string>{f.mary.id};
        in.category = "progress_report";
        in.sensitivity = std::vector<std::string>{"substance-use"};
        must(f.consent->case_facts.classify_document(f.as_clinician, d.id, in, f.req));
        const auto row = must(f.store->document_by_id(d.id)).value();
        const auto facts = services::document_facts(snapshot_of(f), row);
        CHECK(facts.subjects == std::vector<std::string>{f.frank.id});
        CHECK(facts.contact_details_of == std::vector<std::string>{f.mary.id});
        CHECK(facts.category == domain::InfoCategory::progress_report);
        CHECK(facts.sensitivity.has(domain::Sensitivity::substance_use));
    }
}

TEST_CASE("the release gate decides every document through the domain engine", "[consent][gate]") {
    Family f;
    const auto report = f.add_document(f.c.id, "report", "u-clin", f.clinician.id, day("2026-02-01"));

    SECTION("the case's clinician sees every document, with no disclosure basis") {
        const auto d = f.decide(f.as_clinician, report);
        CHECK(d.permit);
        CHECK(d.rule == "R1.clinician");
        CHECK(d.basis.empty());
    }
    SECTION("an attorney without an ROI is denied by default, and a listing withholds the document") {
        const auto read = f.decide(f.as_alan, report);
        CHECK_FALSE(read.permit);
        CHECK(read.rule == "R1.default-deny");
        CHECK_FALSE(f.decide(f.as_alan, report, AccessAction::list).permit);
    }
    SECTION("an active ROI naming counsel of record permits with its rule, basis, purpose and obligations") {
        const auto roi = f.active_roi(f.frank.id, domain::RecipientKind::counsel_of_record_for);
        const auto d = f.decide(f.as_alan, report);
        CHECK(d.permit);
        CHECK(d.rule == "R3.roi");
        CHECK(d.basis == roi.roi.id);
        CHECK(d.purpose == "legal-proceedings");
        REQUIRE_FALSE(d.obligations.empty());
        CHECK_THAT(d.obligations[0], Catch::Contains("CA Civil Code 56.13"));
        CHECK(f.decide(f.as_alan, report, AccessAction::list).permit);
        CHECK_FALSE(f.decide(f.as_beth, report).permit); // counsel for the other parent is not named
    }
    SECTION(
        "the reasons the gate gives (they go to the unsealed audit log) name parties by id, never by name") {
        const auto d = f.decide(f.as_alan, report);
        CHECK_THAT(d.reason, Catch::Contains(f.alan.id));
        CHECK_THAT(d.reason, !Catch::Contains("Alan") && !Catch::Contains("Sam"));
        const auto e = must(f.consent->reports.explain(f.as_clinician, report.id, f.alan.id, f.req));
        CHECK_THAT(e.decision.reason, Catch::Contains("Alan")); // the clinician's explanation names them
    }
    SECTION("earlier versions stay with the clinician even when the current one is released") {
        f.active_roi(f.frank.id, domain::RecipientKind::counsel_of_record_for);
        const auto d = f.decide(f.as_alan, report, AccessAction::read_old_version);
        CHECK_FALSE(d.permit);
        CHECK(d.rule == "R0.old-versions-clinician-only");
    }
    SECTION("a verified order's restriction overrides the ROI (rules 2 and 4)") {
        f.active_roi(f.frank.id, domain::RecipientKind::counsel_of_record_for);
        const auto order = f.add_order({"restrict attorney from report"}, "FL-2");
        must(f.consent->orders.verify_order(f.as_clinician, order.order.id, f.req));
        const auto d = f.decide(f.as_alan, report);
        CHECK_FALSE(d.permit);
        CHECK(d.rule == "R2.order-restriction");
        CHECK(d.basis == order.order.id);
    }
    SECTION("an unverified order does not count") {
        f.active_roi(f.frank.id, domain::RecipientKind::counsel_of_record_for);
        f.add_order({"restrict attorney from report"}, "FL-2");
        CHECK(f.decide(f.as_alan, report).permit);
    }
    SECTION("a member account invited as clinician gets no clinician powers") {
        f.add_party(f.c.id, "clinician", "Impostor", "u-imp");
        const auto d = f.decide(World::principal("u-imp"), report);
        CHECK_FALSE(d.permit);
    }
    SECTION("a document of another case is refused") {
        const auto other = f.add_case("open", day("2025-01-01"));
        const auto foreign = f.add_document(other.id, "report", "u-clin", "", day("2026-02-01"));
        const auto d = f.decide(f.as_clinician, foreign);
        CHECK_FALSE(d.permit);
        CHECK(d.rule == "R1.wrong-case");
    }
    SECTION("a standing answer is never reused: each request assembles the facts again") {
        const auto roi = f.active_roi(f.frank.id, domain::RecipientKind::counsel_of_record_for);
        const auto before = must(f.gate->case_access(f.as_alan, f.c.id));
        services::RevokeInput in;
        must(f.consent->roi_lifecycle.revoke_roi(f.as_frank, roi.roi.id, in, f.req));
        CHECK(f.gate->decide(before, report, AccessAction::read).permit); // the facts that request saw
        const auto d = f.decide(f.as_alan, report);                       // the next request
        CHECK_FALSE(d.permit);
        CHECK(d.rule == "R7.revoked");
    }
    SECTION("someone with no part in the case has no standing at all") {
        const auto r = f.gate->case_access(World::principal("u-stranger"), f.c.id);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::not_found);
    }
}

TEST_CASE("ROIs are prepared, signed, revoked and exported through the consent service", "[consent][roi]") {
    Family f;
    const auto report = f.add_document(f.c.id, "report", "u-clin", f.clinician.id, day("2026-02-01"));

    SECTION("a defective draft lists every missing element and cannot be signed") {
        auto draft = f.roi_draft(f.lee.id);
        draft.statements = {};
        draft.information.description.clear();
        const auto created = must(f.consent->rois.create_roi(f.as_clinician, f.c.id, draft, f.req));
        CHECK(created.roi.state == domain::RoiState::draft);
        CHECK(created.defects.size() == 5);
        CHECK(created.roi.document_sha256 == std::string(64, 'b')); // taken from the uploaded PDF
        services::SignatureInput sig{
            f.mary.id, domain::SignerCapacity::parent_legal_custody, f.order_id, {}, ""};
        const auto signed_ =
            f.consent->roi_lifecycle.record_signature(f.as_clinician, created.roi.id, sig, f.req);
        REQUIRE_FALSE(signed_.ok());
        CHECK(signed_.error().code == Errc::invalid_input);
        CHECK_THAT(signed_.error().message, Catch::Contains("right to revoke"));
    }
    SECTION("a defective draft is completed in place, and a signed ROI is never edited") {
        auto draft = f.roi_draft(f.lee.id);
        draft.template_version.clear();
        const auto created = must(f.consent->rois.create_roi(f.as_clinician, f.c.id, draft, f.req));
        REQUIRE(created.defects.size() == 1);
        draft.template_version = "roi-2025.2";
        const auto fixed = must(f.consent->rois.update_roi(f.as_clinician, created.roi.id, draft, f.req));
        CHECK(fixed.roi.id == created.roi.id);
        CHECK(fixed.defects.empty());
        const auto active = f.active_roi(f.lee.id);
        const auto r = f.consent->rois.update_roi(f.as_clinician, active.roi.id, draft, f.req);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::conflict);
        CHECK(f.consent->rois.update_roi(f.as_mary, created.roi.id, draft, f.req).error().code ==
              Errc::forbidden);
    }
    SECTION("a paper signature by a legal custodian activates it") {
        const auto roi = f.active_roi(f.lee.id);
        CHECK(roi.roi.state == domain::RoiState::active);
        CHECK(roi.in_force);
        CHECK(roi.roi.signatures.at(0).authority.kind == domain::AuthorityKind::court_order);
        CHECK(roi.roi.signatures.at(0).evidence == roi.roi.document);
    }
    SECTION("someone without legal custody cannot authorise the release (rule 5)") {
        const auto created =
            must(f.consent->rois.create_roi(f.as_clinician, f.c.id, f.roi_draft(f.lee.id), f.req));
        services::SignatureInput sig{
            f.alan.id, domain::SignerCapacity::parent_legal_custody, f.order_id, {}, ""};
        const auto r = f.consent->roi_lifecycle.record_signature(f.as_clinician, created.roi.id, sig, f.req);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::invalid_input);
    }
    SECTION("a signature dated in the future is refused") {
        const auto created =
            must(f.consent->rois.create_roi(f.as_clinician, f.c.id, f.roi_draft(f.lee.id), f.req));
        services::SignatureInput sig{f.mary.id, domain::SignerCapacity::parent_legal_custody, f.order_id,
                                     day("2026-04-01"), ""};
        CHECK_FALSE(
            f.consent->roi_lifecycle.record_signature(f.as_clinician, created.roi.id, sig, f.req).ok());
    }
    SECTION("the other joint custodian's revocation stops the release at once (rule 7)") {
        const auto roi = f.active_roi(f.frank.id, domain::RecipientKind::counsel_of_record_for);
        REQUIRE(f.decide(f.as_alan, report).permit);
        const auto revoked = must(f.consent->roi_lifecycle.revoke_roi(f.as_frank, roi.roi.id, {}, f.req));
        CHECK(revoked.roi.state == domain::RoiState::revoked);
        CHECK(revoked.roi.revoked_by == f.frank.id);
        CHECK_FALSE(f.decide(f.as_alan, report).permit);
    }
    SECTION("revoking for one recipient leaves the others") {
        auto draft = f.roi_draft(f.lee.id);
        draft.recipients.push_back({domain::RecipientKind::party, f.alan.id, std::nullopt, std::nullopt});
        const auto created = must(f.consent->rois.create_roi(f.as_clinician, f.c.id, draft, f.req));
        services::SignatureInput sig{
            f.mary.id, domain::SignerCapacity::parent_legal_custody, f.order_id, {}, ""};
        must(f.consent->roi_lifecycle.record_signature(f.as_clinician, created.roi.id, sig, f.req));
        services::RevokeInput in;
        in.recipient = f.alan.id;
        const auto after = must(f.consent->roi_lifecycle.revoke_roi(f.as_mary, created.roi.id, in, f.req));
        CHECK(after.roi.state == domain::RoiState::active);
        CHECK_FALSE(f.decide(f.as_alan, report).permit);
        CHECK(f.decide(f.as_lee, report).permit);
    }
    SECTION("the clinician records a revocation only in the name of the party who sent it") {
        const auto roi = f.active_roi(f.lee.id);
        const auto r = f.consent->roi_lifecycle.revoke_roi(f.as_clinician, roi.roi.id, {}, f.req);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::invalid_input);
        services::RevokeInput in;
        in.by = f.mary.id;
        CHECK(must(f.consent->roi_lifecycle.revoke_roi(f.as_clinician, roi.roi.id, in, f.req)).roi.state ==
              domain::RoiState::revoked);
    }
    SECTION("an ROI someone may not know of answers exactly like one that does not exist (rule 11)") {
        const auto roi = f.active_roi(f.lee.id);
        const auto hidden = f.consent->rois.show_roi(f.as_beth, roi.roi.id, f.req);
        const auto missing = f.consent->rois.show_roi(f.as_beth, "roi_0000000000000000", f.req);
        REQUIRE_FALSE(hidden.ok());
        REQUIRE_FALSE(missing.ok());
        CHECK(hidden.error().code == missing.error().code);
        CHECK(hidden.error().message == missing.error().message);
        services::RevokeInput in;
        const auto revoke_hidden = f.consent->roi_lifecycle.revoke_roi(f.as_beth, roi.roi.id, in, f.req);
        const auto revoke_missing =
            f.consent->roi_lifecycle.revoke_roi(f.as_beth, "roi_0000000000000000", in, f.req);
        CHECK(revoke_hidden.error().message == revoke_missing.error().message);
    }
    SECTION("the signer, the subject's custodians and the clinician know of it; counsel does not") {
        const auto roi = f.active_roi(f.lee.id);
        CHECK(must(f.consent->rois.list_rois(f.as_mary, f.c.id, f.req)).size() == 1);
        CHECK(must(f.consent->rois.list_rois(f.as_frank, f.c.id, f.req)).size() == 1);
        CHECK(must(f.consent->rois.list_rois(f.as_clinician, f.c.id, f.req)).size() == 1);
        CHECK(must(f.consent->rois.list_rois(f.as_alan, f.c.id, f.req)).empty());
        CHECK(roi.names.at(f.mary.id) == "Mary");
    }
    SECTION("the FHIR R5 export carries the provisions and a revoked recipient as a nested exception") {
        auto draft = f.roi_draft(f.lee.id);
        draft.recipients.push_back({domain::RecipientKind::party, f.alan.id, std::nullopt, std::nullopt});
        const auto created = must(f.consent->rois.create_roi(f.as_clinician, f.c.id, draft, f.req));
        services::SignatureInput sig{
            f.mary.id, domain::SignerCapacity::parent_legal_custody, f.order_id, {}, ""};
        must(f.consent->roi_lifecycle.record_signature(f.as_clinician, created.roi.id, sig, f.req));
        services::RevokeInput in;
        in.recipient = f.alan.id;
        must(f.consent->roi_lifecycle.revoke_roi(f.as_mary, created.roi.id, in, f.req));
        const auto fhir =
            services::roi_to_fhir(must(f.consent->rois.export_roi(f.as_clinician, created.roi.id, f.req)));
        CHECK(fhir->getValue<std::string>("resourceType") == "Consent");
        CHECK(fhir->getValue<std::string>("status") == "active");
        // A FHIR id allows letters, digits, "-" and "." only (R5 datatype id); the Kinvault id stays exact
        // in the identifier, so an importing system can find the ROI again.
        const auto id = fhir->getValue<std::string>("id");
        CHECK(std::regex_match(id, std::regex("[A-Za-z0-9\\-\\.]{1,64}")));
        CHECK(fhir->getArray("identifier")->getObject(0)->getValue<std::string>("value") == created.roi.id);
        CHECK(fhir->getValue<std::string>("decision") == "permit");
        const auto provision = fhir->getArray("provision")->getObject(0);
        CHECK(provision->getArray("actor")->size() == 2);
        CHECK(provision->getArray("action")->size() == 2); // both directions: disclose and collect
        const auto purposes = provision->getArray("purpose");
        CHECK(purposes->getObject(0)->getValue<std::string>("code") == "HLEGAL");
        CHECK(purposes->getObject(1)->getValue<std::string>("code") == "COC");
        CHECK(provision->getArray("documentType")->getObject(0)->getValue<std::string>("code") == "report");
        const auto nested = provision->getArray("provision");
        REQUIRE(nested);
        CHECK(nested->size() == 1);
        CHECK(nested->getObject(0)
                  ->getArray("actor")
                  ->getObject(0)
                  ->getObject("reference")
                  ->getObject("identifier")
                  ->getValue<std::string>("value") == f.alan.id);
    }
}

TEST_CASE("an executed envelope activates its ROI through the same path as a paper signature",
          "[consent][envelope]") {
    Family f;
    const auto created =
        must(f.consent->rois.create_roi(f.as_clinician, f.c.id, f.roi_draft(f.lee.id), f.req));
    services::Envelope e;
    e.id = "env_1";
    e.case_id = f.c.id;
    e.document_id = created.roi.document;
    e.purpose = "roi";
    e.roi_id = created.roi.id;
    e.state = services::EnvelopeState::completed;
    services::EnvelopeSigner clinician;
    clinician.party_id = f.clinician.id;
    clinician.capacity = "clinician";
    clinician.state = services::SignerState::completed;
    services::EnvelopeSigner mother;
    mother.party_id = f.mary.id;
    mother.capacity = "parent_legal_custody";
    mother.authority = f.order_id;
    mother.state = services::SignerState::completed;
    mother.signed_at = day("2026-02-28");

    SECTION("a custodian's e-signature activates it, with the envelope as evidence") {
        e.signers = {clinician, mother};
        must(f.consent->envelope_completion.on_envelope_completed(e, f.req));
        const auto roi = must(f.consent->rois.show_roi(f.as_clinician, created.roi.id, f.req));
        CHECK(roi.roi.state == domain::RoiState::active);
        REQUIRE(roi.roi.signatures.size() == 1);
        CHECK(roi.roi.signatures[0].evidence == "env_1");
        CHECK(roi.roi.signatures[0].signed_at == day("2026-02-28"));
    }
    SECTION("a signer without authority leaves the ROI pending without undoing the executed envelope") {
        services::EnvelopeSigner attorney;
        attorney.party_id = f.alan.id;
        attorney.capacity = "self";
        attorney.state = services::SignerState::completed;
        e.signers = {attorney};
        must(f.consent->envelope_completion.on_envelope_completed(e, f.req));
        const auto roi = must(f.consent->rois.show_roi(f.as_clinician, created.roi.id, f.req));
        CHECK(roi.roi.state == domain::RoiState::draft);
        CHECK(roi.roi.signatures.empty());
    }
    SECTION("a capacity the rules do not know is refused by name, never taken for the signer's own") {
        mother.capacity = "step-parent";
        e.signers = {clinician, mother};
        must(f.consent->envelope_completion.on_envelope_completed(e, f.req));
        const auto roi = must(f.consent->rois.show_roi(f.as_clinician, created.roi.id, f.req));
        CHECK(roi.roi.state == domain::RoiState::draft);
        CHECK(roi.roi.signatures.empty());
        const auto entries = must(f.audit->entries(0, 1000));
        const bool named = std::any_of(entries.begin(), entries.end(), [](const storage::AuditRecord& r) {
            return r.entry.find("did not activate") != std::string::npos &&
                   r.entry.find("unrecognised signer capacity") != std::string::npos &&
                   r.entry.find("step-parent") != std::string::npos;
        });
        CHECK(named);
    }
}

TEST_CASE("an executed amendment switches the process mode only going forward", "[consent][mode]") {
    Family f("closed");
    const auto before = f.add_document(f.c.id, "report", "u-clin", f.clinician.id, day("2026-02-01"));
    f.active_roi(f.frank.id, domain::RecipientKind::counsel_of_record_for);
    const auto denied = f.decide(f.as_alan, before);
    CHECK(denied.rule == "R6.closed-process");
    const auto amendment =
        f.add_document(f.c.id, "reunification-agreement", "u-clin", f.clinician.id, f.clock.now());

    SECTION("a mode change may not take effect in the past") {
        services::AgreementInput in;
        in.document_id = amendment.id;
        in.mode = domain::ProcessMode::open;
        in.effective_from = day("2026-01-01");
        const auto r = f.consent->case_facts.record_agreement(f.as_clinician, f.c.id, in, f.req);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::invalid_input);
    }
    SECTION("opening the process releases documents made afterwards, not those made while it was closed") {
        services::AgreementInput in;
        in.document_id = amendment.id;
        in.mode = domain::ProcessMode::open;
        must(f.consent->case_facts.record_agreement(f.as_clinician, f.c.id, in, f.req));
        CHECK(must(f.store->case_by_id(f.c.id)).value().mode == "open");
        f.clock.advance(3600);
        const auto after = f.add_document(f.c.id, "report", "u-clin", f.clinician.id, f.clock.now());
        CHECK(f.decide(f.as_alan, after).permit);
        CHECK(f.decide(f.as_alan, before).rule == "R6.closed-process");
        const auto history = snapshot_of(f).facts.mode_history;
        REQUIRE(history.size() == 2);
        CHECK(history[1].amendment == amendment.id);
    }
    SECTION("an agreement's allowances let attendance records reach counsel in a closed process (rule 6)") {
        services::AgreementInput in;
        in.document_id = amendment.id;
        in.closed_allowances = std::vector<domain::AgreementAllowance>{{{domain::Role::attorney},
                                                                        {domain::InfoCategory::attendance},
                                                                        domain::AllowanceScope::whole_case}};
        must(f.consent->case_facts.record_agreement(f.as_clinician, f.c.id, in, f.req));
        services::ClassificationInput cls;
        cls.category = "attendance";
        must(f.consent->case_facts.classify_document(f.as_clinician, before.id, cls, f.req));
        const auto d = f.decide(f.as_alan, must(f.store->document_by_id(before.id)).value());
        CHECK(d.permit);
        CHECK(d.rule == "R6.agreement");
        CHECK(d.basis == amendment.id);
    }
}

TEST_CASE("verifying an order that takes legal custody away suspends the ROIs that parent signed (rule 8)",
          "[consent][custody]") {
    Family f;
    const auto roi =
        f.active_roi(f.lee.id, domain::RecipientKind::party, domain::Direction::both, f.frank.id);
    f.clock.advance(86400);
    auto order = f.add_order({"custody sole Mary"}, "FL-9", "2026-03-02", "2026-03-02");
    must(f.consent->orders.verify_order(f.as_clinician, order.order.id, f.req));
    const auto after = must(f.consent->rois.show_roi(f.as_clinician, roi.roi.id, f.req));
    CHECK(after.roi.state == domain::RoiState::suspended);
    CHECK_FALSE(after.in_force);
    SECTION("the clinician's review cannot reinstate it while nobody with authority signed it") {
        const auto r = f.consent->roi_lifecycle.reinstate_roi(f.as_clinician, roi.roi.id, f.req);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::conflict);
    }
}

TEST_CASE("clarification letters reach only their author and the clinician until released",
          "[consent][letter]") {
    Family f;
    const auto doc = f.add_document(f.c.id, "clarification-letter", "u-frank", f.frank.id, f.clock.now());
    const auto letter = must(f.consent->letters.create_letter(f.as_frank, f.c.id, doc.id, f.sam.id, f.req));
    const auto row = [&] { return must(f.store->document_by_id(doc.id)).value(); };

    SECTION("only the author registers a letter for their own document") {
        const auto r = f.consent->letters.create_letter(f.as_mary, f.c.id, doc.id, f.sam.id, f.req);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::not_found);
    }
    SECTION("through review the therapist and the other parent see nothing") {
        must(f.consent->letters.letter_action(f.as_frank, letter.letter.id, services::LetterAction::submit,
                                              "", {}, f.req));
        CHECK(f.decide(f.as_lee, row()).rule == "CL.unreleased");
        CHECK_FALSE(f.decide(f.as_mary, row()).permit);
        CHECK(f.decide(f.as_frank, row()).permit);
        const auto asked = must(f.consent->letters.letter_action(f.as_clinician, letter.letter.id,
                                                                 services::LetterAction::request_revisions,
                                                                 "less blame", {}, f.req));
        CHECK(asked.letter.revision_notes.at(0).text == "less blame");
        const auto revised = must(f.consent->letters.letter_action(
            f.as_frank, letter.letter.id, services::LetterAction::submit, "", {}, f.req));
        CHECK(revised.letter.letter.state == domain::LetterState::revised);
    }
    SECTION("once released to the therapist it reaches the therapist only") {
        must(f.consent->letters.letter_action(f.as_frank, letter.letter.id, services::LetterAction::submit,
                                              "", {}, f.req));
        must(f.consent->letters.letter_action(f.as_clinician, letter.letter.id,
                                              services::LetterAction::approve, "", {}, f.req));
        must(f.consent->letters.letter_action(f.as_clinician, letter.letter.id,
                                              services::LetterAction::release, "", {f.lee.id}, f.req));
        const auto d = f.decide(f.as_lee, row());
        CHECK(d.permit);
        CHECK(d.rule == "CL.release-target");
        CHECK(d.basis == letter.letter.id);
        CHECK_FALSE(f.decide(f.as_mary, row()).permit);
        CHECK_FALSE(f.decide(f.as_beth, row()).permit);
        CHECK_FALSE(f.decide(f.as_alan, row()).permit);
        CHECK(row().state == "released");
    }
    SECTION("a party cannot approve a letter, and the author cannot release it") {
        must(f.consent->letters.letter_action(f.as_frank, letter.letter.id, services::LetterAction::submit,
                                              "", {}, f.req));
        CHECK(f.consent->letters
                  .letter_action(f.as_frank, letter.letter.id, services::LetterAction::approve, "", {}, f.req)
                  .error()
                  .code == Errc::forbidden);
        CHECK(f.consent->letters
                  .letter_action(f.as_mary, letter.letter.id, services::LetterAction::approve, "", {}, f.req)
                  .error()
                  .code == Errc::not_found);
    }
}

TEST_CASE("coordination readiness follows the ROIs recorded and revoked", "[consent][readiness]") {
    Family f;
    SECTION("only the clinician asks") {
        CHECK(f.consent->reports.readiness(f.as_mary, f.c.id, f.req).error().code == Errc::forbidden);
    }
    SECTION("missing, then ready with both directions covered, then not ready after a revocation") {
        CHECK_FALSE(must(f.consent->reports.readiness(f.as_clinician, f.c.id, f.req)).ready);
        const auto out = f.active_roi(f.sam.id, domain::RecipientKind::therapist_of,
                                      domain::Direction::clinician_to_recipient);
        CHECK_FALSE(must(f.consent->reports.readiness(f.as_clinician, f.c.id, f.req)).ready);
        f.active_roi(f.lee.id, domain::RecipientKind::party, domain::Direction::recipient_to_clinician,
                     f.frank.id);
        CHECK(must(f.consent->reports.readiness(f.as_clinician, f.c.id, f.req)).ready);
        must(f.consent->roi_lifecycle.revoke_roi(f.as_mary, out.roi.id, {}, f.req));
        const auto r = must(f.consent->reports.readiness(f.as_clinician, f.c.id, f.req));
        CHECK_FALSE(r.ready);
        REQUIRE_FALSE(r.children.at(0).therapists.at(0).missing.empty());
        CHECK_THAT(r.children[0].therapists[0].missing[0], Catch::Contains("Mary or Frank"));
    }
}

TEST_CASE("the clinician can ask why, and who received what", "[consent][explain]") {
    Family f;
    const auto report = f.add_document(f.c.id, "report", "u-clin", f.clinician.id, day("2026-02-01"));
    SECTION("an explanation as a party gives the decision, the rule and the closest ROI") {
        const auto roi = f.active_roi(f.frank.id, domain::RecipientKind::counsel_of_record_for);
        must(f.consent->roi_lifecycle.revoke_roi(f.as_frank, roi.roi.id, {}, f.req));
        const auto e = must(f.consent->reports.explain(f.as_clinician, report.id, f.alan.id, f.req));
        CHECK_FALSE(e.decision.permitted());
        CHECK(e.decision.rule_code() == "R7.revoked");
        CHECK(e.decision.basis.ids == std::vector<std::string>{roi.roi.id});
        CHECK(e.party_name == "Alan");
    }
    SECTION("others cannot ask, and a document they cannot see stays hidden") {
        CHECK(f.consent->reports.explain(f.as_alan, report.id, f.alan.id, f.req).error().code ==
              Errc::not_found);
    }
    SECTION("the accounting of disclosures can be narrowed to one recipient") {
        storage::DisclosureRecord d;
        d.id = "dsc_1";
        d.case_id = f.c.id;
        d.document_id = report.id;
        d.version = 1;
        d.recipient_user = "u-alan";
        d.recipient_party = f.alan.id;
        d.at = f.clock.now();
        d.rule = "R3.roi";
        d.basis = "roi_x";
        d.purpose = "legal-proceedings";
        must(f.store->insert_disclosure(d));
        d.id = "dsc_2";
        d.recipient_user = "u-lee";
        d.recipient_party = f.lee.id;
        must(f.store->insert_disclosure(d));
        CHECK(must(f.consent->reports.disclosures(f.as_clinician, f.c.id, "", f.req)).size() == 2);
        const auto alan = must(f.consent->reports.disclosures(f.as_clinician, f.c.id, f.alan.id, f.req));
        REQUIRE(alan.size() == 1);
        CHECK(alan[0].recipient_name == "Alan");
        CHECK(alan[0].document_title == "report title");
        CHECK(f.consent->reports.disclosures(f.as_alan, f.c.id, "", f.req).error().code == Errc::forbidden);
    }
}
