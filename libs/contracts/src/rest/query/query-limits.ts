/** The most entities one query may read: names in a REST `entities` list, root fields of a GraphQL request. */
export const MAX_ENTITIES_PER_QUERY = 50;
