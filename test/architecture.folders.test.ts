// The folders of src/ (and workers/) must not reach each other in a cycle, through any path:
// a cycle means two features cannot be understood, changed or tested apart. The test builds the
// folder import graph from every import (type-only ones too) and fails on any strongly connected
// component of more than one folder. ARCHITECTURE.md "Folders" says which way each edge runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** `src/decisions/rules.ts` → `decisions`; a file at the top of src/ is its own node. */
function nodeOf(file: string): string {
  const parts = path.relative(root, file).split(path.sep);
  if (parts[0] === 'workers') return 'workers';
  return parts.length === 2 ? parts[1]!.replace(/\.ts$/, '') : parts[1]!;
}

export function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const files = [...sourceFiles(path.join(root, 'src')), ...sourceFiles(path.join(root, 'workers'))];
  for (const file of files) {
    const from = nodeOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const imported of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!imported.fileName.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), imported.fileName.replace(/\.js$/, '.ts'));
      const to = nodeOf(target);
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Tarjan's algorithm: the strongly connected components with more than one node. */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

test('the cycle finder sees a cycle through any path, and none in a chain', () => {
  const g = (edges: [string, string][]) => {
    const graph = new Map<string, Set<string>>();
    for (const [a, b] of edges) {
      graph.set(a, (graph.get(a) ?? new Set()).add(b));
      if (!graph.has(b)) graph.set(b, new Set());
    }
    return graph;
  };
  assert.deepEqual(
    cycles(
      g([
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'a'],
        ['c', 'd'],
      ]),
    ),
    [['a', 'b', 'c']],
  );
  assert.deepEqual(
    cycles(
      g([
        ['a', 'b'],
        ['b', 'c'],
      ]),
    ),
    [],
  );
});

test('no two folders of src/ and workers/ import each other, through any path', () => {
  const graph = folderGraph();
  assert.ok(graph.size > 20, `the graph was read (${graph.size} folders)`);
  const knots = cycles(graph);
  assert.deepEqual(
    knots,
    [],
    `folders that reach each other:\n${knots.map((k) => `  ${k.join(', ')}`).join('\n')}`,
  );
});
