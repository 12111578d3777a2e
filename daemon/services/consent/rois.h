// ROIs (releases of information) as structured records linked to their signed document: listing, reading,
// drafting, validating and exporting them. Signing, revoking and suspending are in roi_lifecycle.h.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "services/audit.h"
#include "services/consent/access.h"
#include "services/consent/details.h"
#include "services/context.h"

#include <string>
#include <vector>

namespace kinvault::services {

class Rois {
public:
    Rois(storage::Store& store, AuditLog& audit, ConsentAccess& access, ConsentRecords& records,
         const Clock& clock);

    [[nodiscard]] Result<std::vector<RoiDetail>> list_rois(const Principal& who, const std::string& case_id,
                                                           const RequestInfo& req);
    [[nodiscard]] Result<RoiDetail> show_roi(const Principal& who, const std::string& roi_id,
                                             const RequestInfo& req);
    // A draft, even when defective: the answer lists what is missing.
    [[nodiscard]] Result<RoiDetail> create_roi(const Principal& who, const std::string& case_id,
                                               domain::Roi draft, const RequestInfo& req);
    // Replaces a draft's content (never a signed ROI's: a renewal is a new ROI).
    [[nodiscard]] Result<RoiDetail> update_roi(const Principal& who, const std::string& roi_id,
                                               domain::Roi draft, const RequestInfo& req);
    [[nodiscard]] Result<RoiDetail> validate_roi(const Principal& who, const std::string& roi_id,
                                                 const RequestInfo& req);
    // The ROI for an HL7 FHIR R5 Consent export (consent/fhir.h writes it).
    [[nodiscard]] Result<RoiDetail> export_roi(const Principal& who, const std::string& roi_id,
                                               const RequestInfo& req);

private:
    // The clinician's draft made ready to store: its document checked, defaults filled, lifecycle fields
    // cleared.
    [[nodiscard]] Status prepare_draft(domain::Roi& draft, const Principal& who,
                                       const std::string& case_id) const;

    storage::Store& m_store;
    AuditLog& m_audit;
    ConsentAccess& m_access;
    ConsentRecords& m_records;
    const Clock& m_clock;
};

} // namespace kinvault::services
