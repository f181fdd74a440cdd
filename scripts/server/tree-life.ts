// Scenario `tree-life`: the life of a subtree a server creates, in one session (issue 20 items 1 and 2). Package 1: Add an
// interior node and a leaf below it (one Add, two Items), Replace the leaf, Get three Items of which one does not exist.
// Package 2: Delete the node, then Get it (404). A client that applies OMA-TS-DM_TND-V1_2 §7.7.1.3 (rights for the
// creator of an interior node) answers 200 to the Replace and the Delete, and a Status per Item with one Results for the Get.
import { add, del, get, replace } from './commands.js';
import type { Scenario } from './types.js';

export const TREE_LIFE_ROOT = './DmTestApp';

export const treeLife: Scenario = {
  name: 'tree-life',
  requestStatus: () => 200,
  next(ctx) {
    const x = TREE_LIFE_ROOT;
    if (ctx.step === 0)
      return [
        add({ uri: x, node: true }, { uri: `${x}/Setting`, data: 'one' }),
        replace({ uri: `${x}/Setting`, data: 'two' }),
        get(`${x}/Setting`, `${x}/Missing`, x),
      ];
    if (ctx.step === 1) return [del(x), get(x)];
    return [];
  },
};
