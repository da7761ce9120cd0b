import { DataFactory, type Quad } from 'n3';
import { z } from 'zod';
import { parseInput, type ExtractResult } from '../schemas.js';
import { blankKey, defaultBaseIri, entityTerm, rdf, rdfsLabel, relationIri, xsd, zsre } from './vocabulary.js';

const { literal, quad, blankNode } = DataFactory;

/** Ids the input gave for its entities (e.g. fields headId/tailId): Wikidata QIDs, IRIs or other strings. */
export interface EntityIds {
  head?: string;
  tail?: string;
}

export interface ResultQuadsOptions {
  /**
   * Unique per result within one output document (the CLI uses the input line number): blank
   * nodes are labelled from it, so an output appended to across resumed runs never reuses a label.
   */
  key: string;
  ids?: EntityIds;
  /** Base for minted IRIs (relations without a Wikidata id, entities with a plain id). Default urn:zsre:. */
  baseIri?: string;
  /** 1-based input line, recorded on the statement. */
  line?: number;
  /** The item id, recorded on the statement. */
  sourceId?: string;
  /** Assert the triple itself beside its reified statement (default true). */
  assert?: boolean;
  /**
   * Blank node keys of the head and tail when they have no id (default: derived from `key`).
   * Several results about the same entities (the triples of one document) pass the same keys, so
   * that each entity is one node.
   */
  entityKeys?: { head: string; tail: string };
}

/** What resultToQuads reads of a result (an ExtractResult or a line of `zsre extract` output; other fields pass). */
const quadsResultSchema = z.looseObject({
  head: z.looseObject({ text: z.string() }),
  tail: z.looseObject({ text: z.string() }),
  relation: z.looseObject({ id: z.string().min(1), name: z.string(), probability: z.number().min(0).max(1) }).nullable(),
});
const quadsOptionsSchema: z.ZodType<ResultQuadsOptions> = z
  .object({
    key: z.string().min(1),
    ids: z.object({ head: z.string().optional(), tail: z.string().optional() }).strict().optional(),
    baseIri: z.string().min(1).optional(),
    line: z.number().int().positive().optional(),
    sourceId: z.string().optional(),
    assert: z.boolean().optional(),
    entityKeys: z.object({ head: z.string().min(1), tail: z.string().min(1) }).strict().optional(),
  })
  .strict();

/**
 * The RDF for one extraction result: nothing for "no relation"; otherwise the triple
 * (head, relation, tail), and an rdf:Statement that describes it with zsre:probability
 * (xsd:decimal) and where it came from. Reification keeps the probability without RDF-star, so
 * every N-Triples/Turtle 1.1 tool reads it. Entities and relations get rdfs:label from the text.
 */
export function resultToQuads(result: Pick<ExtractResult, 'head' | 'tail' | 'relation'>, options: ResultQuadsOptions): Quad[] {
  parseInput(quadsResultSchema, result, 'resultToQuads result');
  parseInput(quadsOptionsSchema, options, 'resultToQuads options');
  const { relation } = result;
  if (relation === null) return [];
  const base = options.baseIri ?? defaultBaseIri;
  const key = blankKey(options.key);
  const head = entityTerm(options.ids?.head, options.entityKeys === undefined ? `${key}h` : blankKey(options.entityKeys.head), base);
  const tail = entityTerm(options.ids?.tail, options.entityKeys === undefined ? `${key}t` : blankKey(options.entityKeys.tail), base);
  const predicate = relationIri(relation.id, base);
  const statement = blankNode(`${key}s`);
  const quads: Quad[] = [];
  if (options.assert !== false) quads.push(quad(head, predicate, tail));
  quads.push(
    quad(statement, rdf.type, rdf.statement),
    quad(statement, rdf.subject, head),
    quad(statement, rdf.predicate, predicate),
    quad(statement, rdf.object, tail),
    // toFixed: xsd:decimal has no exponent form, and 6 places is finer than any calibration.
    quad(statement, zsre.probability, literal(relation.probability.toFixed(6), xsd.decimal)),
  );
  if (options.line !== undefined) quads.push(quad(statement, zsre.sourceLine, literal(String(options.line), xsd.integer)));
  if (options.sourceId !== undefined) quads.push(quad(statement, zsre.sourceId, literal(options.sourceId)));
  quads.push(quad(head, rdfsLabel, literal(result.head.text)), quad(tail, rdfsLabel, literal(result.tail.text)));
  quads.push(quad(predicate, rdfsLabel, literal(relation.name)));
  return quads;
}
