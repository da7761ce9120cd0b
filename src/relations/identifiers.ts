/**
 * Wikidata's identifier properties: external IDs, catalogue codes and numbers (8,267 of the 11,665
 * properties in the built-in set). Their value is a key in some database ("NVE glacier ID",
 * "ISO 4217 code"), not a thing a sentence names beside another, so between two entities of a text
 * they are almost never the answer; as candidates they take probability from the relations that
 * can be, and now and then win with a wrong answer (benchmarks/results/documents_*_wikidata*.json).
 *
 * The built-in list carries no datatypes (data/README.md), so they are told by Wikidata's naming
 * conventions: the word "ID" in the label, or a description that calls the value an identifier.
 * None of the 96 DocRED relations matches either. Pure.
 */
export function isIdentifierProperty(relation: { name: string; description?: string | undefined }): boolean {
  return /\bID\b/.test(relation.name) || (relation.description !== undefined && /\bidentifier\b/i.test(relation.description));
}
