namespace AgroNT.Transforms.ModelFolders;

/// <summary>The kind of Hugging Face Hub repository: it decides the API route, the file route and the cache folder name.</summary>
public enum HubRepositoryType
{
    /// <summary>A model: <c>/api/models/ORG/NAME</c>, <c>/ORG/NAME/resolve/...</c>, cached in <c>models--ORG--NAME</c>.</summary>
    Model,

    /// <summary>A dataset: <c>/api/datasets/ORG/NAME</c>, <c>/datasets/ORG/NAME/resolve/...</c>, cached in <c>datasets--ORG--NAME</c>.</summary>
    Dataset,
}
