import { DataFactory, type BlankNode, type NamedNode } from 'n3';
import { ZsreError } from '../errors.js';

const { namedNode, blankNode } = DataFactory;

export const defaultBaseIri = 'urn:zsre:';

export const rdf = {
  type: namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type'),
  statement: namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement'),
  subject: namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#subject'),
  predicate: namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate'),
  object: namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#object'),
};
export const rdfsLabel = namedNode('http://www.w3.org/2000/01/rdf-schema#label');
export const xsd = {
  decimal: namedNode('http://www.w3.org/2001/XMLSchema#decimal'),
  integer: namedNode('http://www.w3.org/2001/XMLSchema#integer'),
};

// The provenance vocabulary is fixed, not under --base-iri: a consumer can query
// zsre:probability across graphs minted with different bases.
const vocabularyIri = 'urn:zsre:vocab:';
export const zsre = {
  probability: namedNode(`${vocabularyIri}probability`),
  sourceLine: namedNode(`${vocabularyIri}sourceLine`),
  sourceId: namedNode(`${vocabularyIri}sourceId`),
  model: namedNode(`${vocabularyIri}model`),
};

export const prefixes = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  wd: 'http://www.wikidata.org/entity/',
  wdt: 'http://www.wikidata.org/prop/direct/',
  zsre: vocabularyIri,
};

const wikidataProperty = /^P\d+$/;
const wikidataItem = /^Q\d+$/;
// A scheme followed by ':' (RFC 3987), e.g. http:, urn:, did:.
const absoluteIri = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// Characters that may not appear in an IRIREF of N-Triples/Turtle; an IRI holding one would be
// written as broken RDF, so it is refused rather than escaped into a different IRI.
const forbiddenInIri = /[\u0000-\u0020<>"{}|^`\\]/u;

/** Checks a base IRI given by the user (e.g. --base-iri): absolute and writable as an IRIREF. */
export function checkBaseIri(base: string): string {
  if (!absoluteIri.test(base) || forbiddenInIri.test(base)) {
    throw new ZsreError(
      'INVALID_INPUT',
      `Invalid base IRI "${base}": expected an absolute IRI without spaces or <>"{}|^\`\\ such as "urn:zsre:" or "https://example.org/kg/".`,
      { context: { baseIri: base } },
    );
  }
  return base;
}

/** Wikidata property ids map to their direct-claim IRI; any other relation id is minted under the base. */
export function relationIri(relationId: string, baseIri = defaultBaseIri): NamedNode {
  if (wikidataProperty.test(relationId)) return namedNode(`${prefixes.wdt}${relationId}`);
  return namedNode(`${baseIri}relation/${encodeURIComponent(relationId)}`);
}

/**
 * An entity id from the input: a Wikidata item id (Q42), a full IRI, or any other string, which is
 * minted under the base. Without an id the entity is a blank node: the same surface string in two
 * sentences is not claimed to be the same thing.
 */
export function entityTerm(id: string | undefined, blankLabel: string, baseIri = defaultBaseIri): NamedNode | BlankNode {
  if (id === undefined || id === '') return blankNode(blankLabel);
  if (wikidataItem.test(id)) return namedNode(`${prefixes.wd}${id}`);
  if (absoluteIri.test(id)) {
    if (forbiddenInIri.test(id)) {
      throw new ZsreError('INVALID_INPUT', `Invalid entity IRI "${id}": it holds a space or one of <>"{}|^\`\\; percent-encode those characters.`, {
        context: { entityId: id },
      });
    }
    return namedNode(id);
  }
  return namedNode(`${baseIri}entity/${encodeURIComponent(id)}`);
}

/**
 * Blank node labels are limited to PN_CHARS; a caller's key (an input line, an id) is encoded
 * into them one-to-one (every other character becomes _hex_), so distinct keys stay distinct.
 */
export function blankKey(key: string): string {
  return `k${key.replace(/[^A-Za-z0-9-]/gu, (character) => `_${(character.codePointAt(0) ?? 0).toString(16)}_`)}`;
}
