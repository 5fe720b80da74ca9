/** A CVE id as CISA's KEV catalogue and the CVE list write it, e.g. CVE-2024-3400. */
export const CVE_ID = /^CVE-\d{4}-\d{4,}$/;
