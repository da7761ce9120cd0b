/**
 * Wikidata's identifier properties: external IDs, catalogue codes and numbers (8,265 of the 11,665
 * properties in the built-in set). Their value is a key in some database ("NVE glacier ID",
 * "ISO 4217 code"), not a thing a sentence names beside another, so between two entities of a text
 * they are almost never the answer; as candidates they take probability from the relations that
 * can be, and now and then win with a wrong answer (benchmarks/results/documents_*_wikidata*.json).
 *
 * The built-in list carries no datatypes (data/README.md), so they are told by Wikidata's naming
 * conventions: the word "ID" in the label, or a description that calls the value an identifier.
 * None of the 96 DocRED relations matches either. Read through, the descriptions that name an
 * identifier without the value being one gave two relations a text can state, kept by id below.
 * Pure.
 */
const notIdentifiers = new Set([
  'P2378', // issued by: "organisation or other agent that issues or allocates an identifier, code, ..."
  'P12413', // date of application: "... that led to a membership ..., an employment or issuance of an identifier"
]);

export function isIdentifierProperty(relation: { id: string; name: string; description?: string | undefined }): boolean {
  if (notIdentifiers.has(relation.id)) return false;
  return /\bID\b/.test(relation.name) || (relation.description !== undefined && /\bidentifier\b/i.test(relation.description));
}
