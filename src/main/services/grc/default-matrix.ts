/**
 * The matrix a new team starts with: the 5×5 "critical" risk matrix as CISO Assistant publishes it
 * (urn:intuitem:risk:library:critical_risk_matrix_5x5, version 3; data in the public domain), so a
 * team can score risks before importing a library of its own. Importing the same library later is
 * the same record (ids come from the urn).
 */
const level = (abbreviation: string, name: string, description: string, hexcolor: string) => ({
  abbreviation,
  name,
  description,
  hexcolor,
});

export const DEFAULT_MATRIX_LIBRARY = JSON.stringify({
  urn: 'urn:intuitem:risk:library:critical_risk_matrix_5x5',
  ref_id: 'critical_5x5',
  name: 'Critical risk matrix 5x5',
  version: 3,
  provider: 'intuitem',
  objects: {
    risk_matrix: [
      {
        urn: 'urn:intuitem:risk:matrix:critical_risk_matrix_5x5',
        ref_id: 'critical_5x5',
        name: 'critical 5x5',
        description: 'critical risk matrix 5x5',
        probability: [
          level('VL', 'Very Low', 'Very unfrequent event', '#BBF7D0'),
          level('L', 'Low', 'Unfrequent event', '#BEF264'),
          level('M', 'Medium', 'Occasional event', '#FEF08A'),
          level('H', 'High', 'Frequent event', '#FBBF24'),
          level('VH', 'Very High', 'Very frequent event', '#F87171'),
        ],
        impact: [
          level('VL', 'Very Low', 'Very low impact', '#BBF7D0'),
          level('L', 'Low', 'Low impact', '#BEF264'),
          level('M', 'Medium', 'Medium impact', '#FEF08A'),
          level('H', 'High', 'High impact', '#FBBF24'),
          level('VH', 'Very High', 'Very high impact', '#F87171'),
        ],
        risk: [
          level('VL', 'Very Low', 'negligible risk', '#BBF7D0'),
          level('L', 'Low', 'acceptable risk', '#BEF264'),
          level('M', 'Medium', 'risk requiring mitigation within 2 years', '#FEF08A'),
          level('H', 'High', 'risk requiring mitigation within 6 months', '#FBBF24'),
          level('VH', 'Very High', 'unacceptable risk', '#F87171'),
        ],
        grid: [
          [0, 0, 1, 1, 2],
          [0, 1, 1, 2, 2],
          [1, 1, 2, 2, 3],
          [1, 2, 2, 3, 4],
          [2, 2, 3, 4, 4],
        ],
      },
    ],
  },
});
