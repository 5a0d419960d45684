// A custom node type as a user would ship it: a plain ES module exporting the definition, with
// `module` pointing at itself so that worker threads can load it.
export default {
  type: 'acme.shout',
  version: 1,
  displayName: 'Shout',
  category: 'Acme',
  description: 'Upper-cases a string and adds an exclamation mark.',
  inputs: { text: { type: 'string', displayName: 'Text' } },
  outputs: { shouted: { type: 'string', displayName: 'Shouted' } },
  module: import.meta.url,
  create(node) {
    let shouted;
    return {
      setInput(name, value) {
        if (name !== 'text') return;
        shouted = `${String(value).toUpperCase()}!`;
        node.flagOutputDirty('shouted');
      },
      getOutput: (name) => (name === 'shouted' ? shouted : undefined),
    };
  },
};
