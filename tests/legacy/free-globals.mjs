// The globals an ES5 script refers to: identifiers bound nowhere in it, with the member names
// read from each (`Math` → imul, floor, …). ES5 only (acorn, ecmaVersion 5): function scopes
// (parameters, `var`, function declarations, a function expression's own name, `arguments`) and
// catch clauses are the only bindings there are.
import * as acorn from 'acorn';

export function freeGlobals(source) {
  const ast = acorn.parse(source, { ecmaVersion: 5 });
  const free = new Map(); // name → Set of member names read from it ('' for the bare name)

  // var and function declarations of one function body (not of functions nested in it)
  function hoisted(node, names) {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'VariableDeclaration') node.declarations.forEach((d) => names.add(d.id.name));
    if (node.type === 'FunctionDeclaration') {
      names.add(node.id.name);
      return;
    }
    if (node.type === 'FunctionExpression') return;
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (Array.isArray(value)) value.forEach((child) => hoisted(child, names));
      else if (value && typeof value.type === 'string') hoisted(value, names);
    }
  }
  const bound = (name, scopes) => scopes.some((s) => s.has(name));
  function use(name, member) {
    if (!free.has(name)) free.set(name, new Set());
    free.get(name).add(member);
  }
  function walk(node, scopes) {
    if (!node || typeof node.type !== 'string') return;
    switch (node.type) {
      case 'Program': {
        const names = new Set();
        node.body.forEach((n) => hoisted(n, names));
        node.body.forEach((n) => walk(n, [names, ...scopes]));
        return;
      }
      case 'FunctionDeclaration':
      case 'FunctionExpression': {
        const names = new Set(['arguments']);
        if (node.type === 'FunctionExpression' && node.id) names.add(node.id.name);
        node.params.forEach((p) => names.add(p.name));
        hoisted(node.body, names);
        walk(node.body, [names, ...scopes]);
        return;
      }
      case 'CatchClause':
        walk(node.body, [new Set([node.param.name]), ...scopes]);
        return;
      case 'Identifier':
        if (!bound(node.name, scopes)) use(node.name, '');
        return;
      case 'MemberExpression':
        if (node.object.type === 'Identifier' && !node.computed && !bound(node.object.name, scopes)) use(node.object.name, node.property.name);
        else walk(node.object, scopes);
        if (node.computed) walk(node.property, scopes);
        return;
      case 'Property':
        walk(node.value, scopes);
        return;
      case 'LabeledStatement':
        walk(node.body, scopes);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      default:
        for (const key of Object.keys(node)) {
          const value = node[key];
          if (Array.isArray(value)) value.forEach((child) => walk(child, scopes));
          else if (value && typeof value.type === 'string') walk(value, scopes);
        }
    }
  }
  walk(ast, []);
  return free;
}
